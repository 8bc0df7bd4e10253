#include "cli/service_format.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace cascade::cli {

Table::Table(std::vector<std::string> headers, std::vector<std::string> right_aligned)
    : headers_(std::move(headers)), right_(headers_.size(), false) {
  for (size_t i = 0; i < headers_.size(); ++i) {
    right_[i] =
        std::find(right_aligned.begin(), right_aligned.end(), headers_[i]) != right_aligned.end();
  }
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> width(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    width[c] = headers_[c].size();
    for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += "  ";
      const bool last = c + 1 == cells.size();
      if (right_[c]) {
        line += fmt::format("{:>{}}", cells[c], width[c]);
      } else {
        line += last ? cells[c] : fmt::format("{:<{}}", cells[c], width[c]);
      }
    }
    out << line << "\n";
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

std::string ToJson(const google::protobuf::Message& message, bool compact) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = !compact;
  std::string json;
  // Only fails for messages with Any fields of unknown types; cascade.v1 has none.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  while (!json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

nlohmann::json ToJsonValue(const google::protobuf::Message& message) {
  return nlohmann::json::parse(ToJson(message, /*compact=*/true));
}

namespace {

std::string EnumPrefix(const google::protobuf::EnumDescriptor* descriptor) {
  const auto* zero = descriptor->FindValueByNumber(0);
  if (zero == nullptr || !absl::EndsWith(zero->name(), "UNSPECIFIED")) return "";
  return zero->name().substr(0, zero->name().size() - std::string_view("UNSPECIFIED").size());
}

}  // namespace

std::string EnumLabel(const google::protobuf::EnumDescriptor* descriptor, int value) {
  const auto* entry = descriptor->FindValueByNumber(value);
  if (entry == nullptr) return absl::StrCat(value);
  const std::string prefix = EnumPrefix(descriptor);
  std::string name = entry->name();
  if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
  return name;
}

absl::StatusOr<int> ParseEnumLabel(const google::protobuf::EnumDescriptor* descriptor,
                                   std::string_view label) {
  const std::string prefix = EnumPrefix(descriptor);
  const std::string upper = absl::AsciiStrToUpper(std::string(label));
  std::vector<std::string> known;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto* entry = descriptor->value(i);
    if (entry->number() == 0) continue;
    if (entry->name() == upper || entry->name() == prefix + upper) return entry->number();
    known.push_back(absl::AsciiStrToLower(EnumLabel(descriptor, entry->number())));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown state '", std::string(label),
                                                 "' (one of: ", absl::StrJoin(known, ", "), ")"));
}

std::string FormatNumber(double value) { return fmt::format("{:.6g}", value); }

std::string FormatHparam(const v1::HparamValue& value) {
  switch (value.kind_case()) {
    case v1::HparamValue::kIntValue:
      return absl::StrCat(value.int_value());
    case v1::HparamValue::kDoubleValue:
      return FormatNumber(value.double_value());
    case v1::HparamValue::kStringValue:
      return value.string_value();
    case v1::HparamValue::kBoolValue:
      return value.bool_value() ? "true" : "false";
    default:
      return "?";
  }
}

std::string FormatHparams(const google::protobuf::Map<std::string, v1::HparamValue>& hparams) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : hparams) parts.push_back(name + "=" + FormatHparam(value));
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, " ");
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatAge(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  const int64_t seconds = std::max<int64_t>(0, absl::ToUnixSeconds(absl::Now()) - time.seconds());
  if (seconds < 120) return absl::StrCat(seconds, "s");
  if (seconds < 7200) return absl::StrCat(seconds / 60, "m");
  if (seconds < 172800) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds / 86400, "d");
}

std::string ProgressBar(int64_t done, int64_t total, int width) {
  int filled = 0;
  if (total > 0) {
    filled = static_cast<int>(std::clamp<int64_t>(done * width / total, 0, width));
  }
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
}

OutputFormat ParseOutputFormat(const std::string& name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return OutputFormat::kTable;
}

}  // namespace cascade::cli
