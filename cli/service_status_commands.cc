// `cascade status`, `trials`, `best`, `workers`: read-only views of the coordinator's state.
#include <fmt/format.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "cli/service_commands.h"
#include "cli/service_stragglers.h"
#include "cli/service_trial_detail.h"
#include "cli/service_views.h"

namespace cascade::cli {
namespace {

int GetScan(ServiceSession& session, const std::string& scan_id, bool include_trials,
            std::string_view command, const CommandIo& io, v1::GetScanResponse* response) {
  v1::GetScanRequest request;
  request.set_scan_id(scan_id);
  request.set_include_trials(include_trials);
  grpc::ClientContext context;
  session.Prepare(context);
  grpc::Status status = session.stub().GetScan(&context, request, response);
  return status.ok() ? kOk : session.Fail(status, command, io.err);
}

int ListWorkers(ServiceSession& session, const std::vector<std::string>& states,
                std::string_view command, const CommandIo& io, v1::ListWorkersResponse* response) {
  v1::ListWorkersRequest request;
  for (const auto& label : states) {
    auto state = ParseEnumLabel(v1::WorkerState_descriptor(), label);
    if (!state.ok()) {
      io.err << "cascade " << command << ": --state: " << state.status().message() << "\n";
      return kUsage;
    }
    request.add_states(static_cast<v1::WorkerState>(*state));
  }
  grpc::ClientContext context;
  session.Prepare(context);
  grpc::Status status = session.stub().ListWorkers(&context, request, response);
  return status.ok() ? kOk : session.Fail(status, command, io.err);
}

// Trial ids are "t-NNNNNN", scan ids "s-NNNNNN" (coordinator/state/state_store.h).
bool IsTrialId(std::string_view id) { return id.starts_with("t-"); }

// "3 (1 running, 2 completed)": how many items are in each state, states in enum order.
template <typename E, typename Items, typename StateOf>
std::string CountByState(const Items& items, StateOf state_of) {
  std::map<int, int> counts;
  for (const auto& item : items) ++counts[static_cast<int>(state_of(item))];
  std::vector<std::string> parts;
  for (const auto& [state, n] : counts) {
    parts.push_back(absl::StrCat(n, " ", absl::AsciiStrToLower(EnumLabel(static_cast<E>(state)))));
  }
  return absl::StrCat(items.size(), parts.empty() ? "" : " (" + absl::StrJoin(parts, ", ") + ")");
}

int RunOverview(ServiceSession& session, OutputFormat output, const CommandIo& io) {
  v1::ListScansRequest scans_request;
  v1::ListScansResponse scans;
  do {
    grpc::ClientContext context;
    session.Prepare(context);
    v1::ListScansResponse page;
    grpc::Status status = session.stub().ListScans(&context, scans_request, &page);
    if (!status.ok()) return session.Fail(status, "status", io.err);
    scans.mutable_scans()->MergeFrom(page.scans());
    scans_request.set_page_token(page.next_page_token());
  } while (!scans_request.page_token().empty());
  v1::ListWorkersResponse workers;
  if (int rc = ListWorkers(session, {}, "status", io, &workers); rc != kOk) return rc;

  if (output == OutputFormat::kJson) {
    nlohmann::json doc = ToJsonValue(scans);
    doc["workers"] = ToJsonValue(workers)["workers"];
    doc["stragglers"] = StragglersJson(FindStragglers(workers.workers()));
    io.out << doc.dump(2) << "\n";
    return kOk;
  }
  io.out << "coordinator " << session.connection().options.address << "\n";
  io.out << "scans    "
         << CountByState<v1::ScanState>(scans.scans(), [](const v1::Scan& s) { return s.state(); })
         << "\n";
  io.out << "workers  "
         << CountByState<v1::WorkerState>(workers.workers(),
                                          [](const v1::Worker& w) { return w.state(); })
         << "\n";
  google::protobuf::RepeatedPtrField<v1::Scan> active;
  for (const auto& scan : scans.scans()) {
    if (!IsTerminal(scan.state())) *active.Add() = scan;
  }
  if (!active.empty()) {
    io.out << "\n";
    ScanTable(active).Print(io.out);
  }
  PrintStragglers(FindStragglers(workers.workers()), io.out);
  return kOk;
}

}  // namespace

int RunStatus(ServiceSession& session, const std::string& scan_id, OutputFormat output,
              const CommandIo& io) {
  if (scan_id.empty()) return RunOverview(session, output, io);
  v1::GetScanResponse response;
  if (int rc = GetScan(session, scan_id, true, "status", io, &response); rc != kOk) return rc;
  if (output == OutputFormat::kJson) {
    io.out << ToJson(response) << "\n";
    return kOk;
  }
  PrintScanHeader(response.scan(), io.out);
  if (!response.trials().empty()) {
    io.out << "\n";
    TrialTable(response.trials()).Print(io.out);
  }
  std::set<std::string> running;
  for (const auto& trial : response.trials()) {
    if (trial.state() == v1::TRIAL_STATE_RUNNING) running.insert(trial.id());
  }
  if (!running.empty()) {
    v1::ListWorkersResponse workers;
    if (int rc = ListWorkers(session, {}, "status", io, &workers); rc != kOk) return rc;
    PrintStragglers(FindStragglers(workers.workers(), &running), io.out);
  }
  return kOk;
}

int RunTrials(ServiceSession& session, const std::string& id, bool detail, OutputFormat output,
              const CommandIo& io) {
  if (IsTrialId(id)) {
    // One trial: GetTrial, always in detail (a one-row table says less than the header line).
    v1::GetTrialRequest request;
    request.set_trial_id(id);
    v1::GetTrialResponse response;
    grpc::ClientContext context;
    session.Prepare(context);
    grpc::Status status = session.stub().GetTrial(&context, request, &response);
    if (!status.ok()) return session.Fail(status, "trials", io.err);
    if (output == OutputFormat::kJson) {
      io.out << ToJson(response) << "\n";
    } else {
      PrintTrialDetail(response.trial(), io.out);
    }
    return kOk;
  }
  v1::GetScanResponse response;
  if (int rc = GetScan(session, id, true, "trials", io, &response); rc != kOk) return rc;
  if (output == OutputFormat::kJson) {
    response.clear_scan();
    io.out << ToJson(response) << "\n";
  } else if (response.trials().empty()) {
    io.err << "scan " << id << " has no trials yet\n";
  } else if (detail) {
    for (int i = 0; i < response.trials_size(); ++i) {
      if (i > 0) io.out << "\n";
      PrintTrialDetail(response.trials(i), io.out);
    }
  } else {
    TrialTable(response.trials()).Print(io.out);
  }
  return kOk;
}

int RunBest(ServiceSession& session, const std::string& scan_id, OutputFormat output,
            const CommandIo& io) {
  v1::GetScanResponse scan_response;
  if (int rc = GetScan(session, scan_id, false, "best", io, &scan_response); rc != kOk) return rc;
  const v1::Scan& scan = scan_response.scan();
  if (scan.best_trial_id().empty()) {
    io.err << "cascade best: scan " << scan_id << " has no validated trial yet (state "
           << EnumLabel(scan.state()) << ")\n";
    return kFailure;
  }
  v1::GetTrialRequest request;
  request.set_trial_id(scan.best_trial_id());
  v1::GetTrialResponse trial;
  grpc::ClientContext context;
  session.Prepare(context);
  grpc::Status status = session.stub().GetTrial(&context, request, &trial);
  if (!status.ok()) return session.Fail(status, "best", io.err);

  // The checkpoint whose validation scored best: the one to generate showers from.
  const v1::Checkpoint* best = nullptr;
  for (const auto& ckpt : trial.checkpoints()) {
    if (!ckpt.has_metric()) continue;
    const bool better =
        best == nullptr || (scan.smaller_is_better() ? ckpt.metric() < best->metric()
                                                     : ckpt.metric() > best->metric());
    if (better) best = &ckpt;
  }
  if (output == OutputFormat::kJson) {
    nlohmann::json doc;
    doc["scan_id"] = scan.id();
    doc["metric"] = scan.metric();
    doc["smaller_is_better"] = scan.smaller_is_better();
    doc["value"] = scan.best_metric();
    doc["trial"] = ToJsonValue(trial.trial());
    doc["best_checkpoint"] = best ? ToJsonValue(*best) : nlohmann::json(nullptr);
    io.out << doc.dump(2) << "\n";
    return kOk;
  }
  const v1::Trial& t = trial.trial();
  io.out << fmt::format("trial       {} ({}, epochs {}/{})\n", t.id(), EnumLabel(t.state()),
                        t.epochs_completed(), t.max_epochs());
  io.out << fmt::format("metric      {} = {} ({} is better)\n", scan.metric(),
                        FormatNumber(scan.best_metric()),
                        scan.smaller_is_better() ? "smaller" : "larger");
  io.out << "hparams     " << FormatHparams(t.hparams()) << "\n";
  io.out << "seed        " << t.seed() << "\n";
  if (best != nullptr) {
    io.out << fmt::format("best ckpt   {} (epoch {}, {} {})\n", best->path(), best->epoch(),
                          scan.metric(), FormatNumber(best->metric()));
  }
  if (t.has_latest_checkpoint()) {
    io.out << fmt::format("latest ckpt {} (epoch {})\n", t.latest_checkpoint().path(),
                          t.latest_checkpoint().epoch());
  }
  return kOk;
}

int RunWorkers(ServiceSession& session, const ListArgs& args, const CommandIo& io) {
  v1::ListWorkersResponse response;
  if (int rc = ListWorkers(session, args.states, "workers", io, &response); rc != kOk) return rc;
  if (args.output == OutputFormat::kJson) {
    io.out << ToJson(response) << "\n";
  } else if (response.workers().empty()) {
    io.err << "no workers" << (args.states.empty() ? " registered" : " in that state") << "\n";
  } else {
    WorkerTable(response.workers()).Print(io.out);
  }
  return kOk;
}

}  // namespace cascade::cli
