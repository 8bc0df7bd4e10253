// `cascade metrics TRIAL`: a trial's step and validation metrics as a table, CSV or JSON. Every
// record becomes a row keyed by the .proto field names, which are also the CSV header, so a CSV
// column means exactly what the field's comment in metrics.proto says.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "cli/service_commands.h"

namespace cascade::cli {
namespace {

using Row = std::map<std::string, std::string>;

const std::vector<std::string> kStepColumns = {"time",
                                               "step",
                                               "epoch",
                                               "generation",
                                               "world_size",
                                               "discriminator_loss_real",
                                               "discriminator_loss_fake",
                                               "generator_loss",
                                               "learning_rate",
                                               "step_seconds",
                                               "samples_per_second"};
const std::vector<std::string> kValidationColumns = {"time",
                                                     "epoch",
                                                     "step",
                                                     "sampling_fraction_mre",
                                                     "generator_loss",
                                                     "discriminator_loss",
                                                     "validation_seconds"};

// Short table headers for the long field names; anything else is upper-cased.
std::string TableHeader(const std::string& column) {
  static const std::map<std::string, std::string> kShort = {{"generation", "GEN"},
                                                            {"world_size", "WORLD"},
                                                            {"discriminator_loss_real", "D_REAL"},
                                                            {"discriminator_loss_fake", "D_FAKE"},
                                                            {"generator_loss", "G_LOSS"},
                                                            {"learning_rate", "LR"},
                                                            {"step_seconds", "STEP_S"},
                                                            {"samples_per_second", "SAMPLES/S"},
                                                            {"sampling_fraction_mre", "SF_MRE"},
                                                            {"discriminator_loss", "D_LOSS"},
                                                            {"validation_seconds", "VAL_S"}};
  auto it = kShort.find(column);
  return it != kShort.end() ? it->second : absl::AsciiStrToUpper(column);
}

Row ToRow(const v1::MetricRecord& record) {
  Row row{{"time", FormatTime(record.time())}};
  if (record.has_step()) {
    const auto& m = record.step();
    row["kind"] = "step";
    row["step"] = absl::StrCat(m.step());
    row["epoch"] = absl::StrCat(m.epoch());
    row["generation"] = absl::StrCat(m.generation());
    row["world_size"] = absl::StrCat(m.world_size());
    row["discriminator_loss_real"] = FormatNumber(m.discriminator_loss_real());
    row["discriminator_loss_fake"] = FormatNumber(m.discriminator_loss_fake());
    row["generator_loss"] = FormatNumber(m.generator_loss());
    row["learning_rate"] = FormatNumber(m.learning_rate());
    row["step_seconds"] = FormatNumber(m.step_seconds());
    row["samples_per_second"] = FormatNumber(m.samples_per_second());
  } else {
    const auto& m = record.validation();
    row["kind"] = "validation";
    row["epoch"] = absl::StrCat(m.epoch());
    row["step"] = absl::StrCat(m.step());
    row["sampling_fraction_mre"] = FormatNumber(m.sampling_fraction_mre());
    row["generator_loss"] = FormatNumber(m.generator_loss());
    row["discriminator_loss"] = FormatNumber(m.discriminator_loss());
    row["validation_seconds"] = FormatNumber(m.validation_seconds());
    for (const auto& [name, value] : m.observables()) row[name] = FormatNumber(value);
  }
  return row;
}

// Columns of the requested kind ("" = both, with a leading kind column) whether or not records
// exist, so a script sees the same header for an empty trial; then the physics observables
// present, in name order.
std::vector<std::string> Columns(const std::vector<v1::MetricRecord>& records,
                                 const std::string& kind) {
  const bool with_kind = kind.empty();
  const bool any_step = kind != "validation";
  const bool any_validation = kind != "step";
  std::set<std::string> observables;
  for (const auto& r : records) {
    if (r.has_validation()) {
      for (const auto& [name, value] : r.validation().observables()) observables.insert(name);
    }
  }
  std::vector<std::string> columns;
  if (with_kind) columns.push_back("kind");
  auto add = [&](const std::string& c) {
    if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
  };
  if (any_step)
    for (const auto& c : kStepColumns) add(c);
  if (any_validation)
    for (const auto& c : kValidationColumns) add(c);
  for (const auto& c : observables) add(c);
  return columns;
}

// RFC 4180 quoting, needed only for observable names or values with a comma or quote.
std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void PrintCsv(const std::vector<v1::MetricRecord>& records, const std::string& kind,
              std::ostream& out) {
  const auto columns = Columns(records, kind);
  std::vector<std::string> cells;
  for (const auto& c : columns) cells.push_back(CsvField(c));
  out << absl::StrJoin(cells, ",") << "\n";
  for (const auto& record : records) {
    Row row = ToRow(record);
    cells.clear();
    for (const auto& c : columns) cells.push_back(CsvField(row[c]));
    out << absl::StrJoin(cells, ",") << "\n";
  }
}

// `records` are all of one kind.
void PrintTable(const std::vector<v1::MetricRecord>& records, std::ostream& out) {
  const auto columns = Columns(records, records.front().has_step() ? "step" : "validation");
  std::vector<std::string> headers, right;
  for (const auto& c : columns) {
    headers.push_back(TableHeader(c));
    if (c != "time") right.push_back(headers.back());
  }
  Table table(headers, right);
  for (const auto& record : records) {
    Row row = ToRow(record);
    std::vector<std::string> cells;
    for (const auto& c : columns) cells.push_back(row.count(c) ? row[c] : "-");
    table.AddRow(std::move(cells));
  }
  table.Print(out);
}

}  // namespace

int RunMetrics(ServiceSession& session, const MetricsArgs& args, const CommandIo& io) {
  v1::ListMetricsRequest request;
  request.set_trial_id(args.trial_id);
  if (args.kind == "step") request.set_kind(v1::METRIC_KIND_STEP);
  if (args.kind == "validation") request.set_kind(v1::METRIC_KIND_VALIDATION);
  v1::ListMetricsResponse all;
  do {
    grpc::ClientContext context;
    session.Prepare(context);
    v1::ListMetricsResponse page;
    grpc::Status status = session.stub().ListMetrics(&context, request, &page);
    if (!status.ok()) return session.Fail(status, "metrics", io.err);
    all.mutable_records()->MergeFrom(page.records());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());

  if (args.output == OutputFormat::kJson) {
    io.out << ToJson(all) << "\n";
    return kOk;
  }
  std::vector<v1::MetricRecord> steps, validations;
  for (const auto& r : all.records()) (r.has_step() ? steps : validations).push_back(r);
  if (args.output == OutputFormat::kCsv) {
    std::vector<v1::MetricRecord> records(all.records().begin(), all.records().end());
    PrintCsv(records, args.kind, io.out);
    return kOk;
  }
  if (all.records().empty()) {
    io.err << "trial " << args.trial_id << " has no " << (args.kind.empty() ? "" : args.kind + " ")
           << "metrics yet\n";
    return kOk;
  }
  if (!steps.empty()) {
    if (!validations.empty()) io.out << "step metrics\n";
    PrintTable(steps, io.out);
  }
  if (!validations.empty()) {
    if (!steps.empty()) io.out << "\nvalidation metrics\n";
    PrintTable(validations, io.out);
  }
  return kOk;
}

}  // namespace cascade::cli
