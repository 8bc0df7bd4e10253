// Coordinator: the user API (one method per UserService RPC).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/scan/searcher/make_search_method.h"
#include "common/scan/spec_parser.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/spec_mapping.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {
namespace {

absl::Status ScanNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("scan '", id, "' not found"));
}

}  // namespace

absl::StatusOr<v1::SubmitScanResponse> Coordinator::SubmitScan(const rpc::Principal& caller,
                                                               const v1::SubmitScanRequest& request,
                                                               absl::Time now) {
  CASCADE_ASSIGN_OR_RETURN(scan::ScanSpec spec, scan::ParseScanSpec(request.spec_yaml()));
  v1::SubmitScanResponse response;
  const int64_t planned = spec.searcher.kind == scan::SearcherKind::kGrid
                              ? scan::GridSize(spec)
                              : static_cast<int64_t>(spec.searcher.max_trials);
  response.set_trials_planned(static_cast<int32_t>(planned));
  if (request.validate_only()) return response;

  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  v1::Scan scan;
  scan.set_name(spec.name);
  scan.set_state(v1::SCAN_STATE_RUNNING);
  scan.set_owner(caller.name);
  scan.set_spec_yaml(request.spec_yaml());
  scan.set_searcher(scan::SearcherKindName(spec.searcher.kind));
  scan.set_metric(spec.searcher.metric);
  scan.set_smaller_is_better(spec.searcher.smaller_is_better);
  *scan.mutable_created_at() = TimeToProto(now);
  *scan.mutable_updated_at() = TimeToProto(now);
  std::string scan_id;
  CASCADE_RETURN_IF_ERROR(im.Commit(
      [&](Change& ch) -> absl::Status {
        CASCADE_ASSIGN_OR_RETURN(v1::Scan stored, im.store->InsertScan(scan, request.request_id()));
        scan_id = stored.id();
        if (im.scans.count(scan_id)) return absl::OkStatus();  // a retried submit
        auto rt = std::make_unique<ScanRuntime>();
        rt->scan = stored;
        rt->order = im.next_scan_order++;
        rt->spec = spec;
        rt->method = scan::MakeSearchMethod(spec);
        ScanRuntime& s = *rt;
        im.scans[scan_id] = std::move(rt);
        ch.rollback.push_back([&im, scan_id] { im.scans.erase(scan_id); });
        im.TouchSearcher(ch, s);
        CASCADE_ASSIGN_OR_RETURN(auto actions, s.method->InitialTrials());
        return im.ApplyActions(ch, s, std::move(actions), now);
      },
      now));
  *response.mutable_scan() = im.ScanWithCounts(*im.scans.at(scan_id));
  spdlog::info("coordinator: scan {} '{}' submitted by {} ({} trials planned)", scan_id, spec.name,
               caller.name, planned);
  return response;
}

absl::StatusOr<v1::ListScansResponse> Coordinator::ListScans(const v1::ListScansRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<v1::ScanState> states;
  for (int s : request.states()) states.push_back(static_cast<v1::ScanState>(s));
  std::string next;
  CASCADE_ASSIGN_OR_RETURN(
      auto scans,
      impl_->store->ListScans(states, request.page_size() > 0 ? request.page_size() : 100,
                              request.page_token(), &next));
  v1::ListScansResponse response;
  for (auto& s : scans) *response.add_scans() = std::move(s);
  response.set_next_page_token(next);
  return response;
}

absl::StatusOr<v1::GetScanResponse> Coordinator::GetScan(const v1::GetScanRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.scans.find(request.scan_id());
  if (it == im.scans.end()) return ScanNotFound(request.scan_id());
  const ScanRuntime& s = *it->second;
  v1::GetScanResponse response;
  *response.mutable_scan() = im.ScanWithCounts(s);
  if (!request.include_trials()) return response;
  if (s.trial_ids.empty()) {
    CASCADE_ASSIGN_OR_RETURN(auto stored, im.store->ListTrials(s.scan.id()));
    for (auto& t : stored) *response.add_trials() = std::move(t);
  } else {
    for (const std::string& id : s.trial_ids) *response.add_trials() = im.trials.at(id)->trial;
  }
  return response;
}

absl::StatusOr<v1::CancelScanResponse> Coordinator::CancelScan(const v1::CancelScanRequest& request,
                                                               absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.scans.find(request.scan_id());
  if (it == im.scans.end()) return ScanNotFound(request.scan_id());
  ScanRuntime& s = *it->second;
  v1::CancelScanResponse response;
  if (s.scan.state() == v1::SCAN_STATE_CANCELED) {
    *response.mutable_scan() = im.ScanWithCounts(s);
    return response;
  }
  if (IsTerminal(s.scan.state())) {
    return absl::FailedPreconditionError(absl::StrCat("scan ", s.scan.id(), " already ended (",
                                                      v1::ScanState_Name(s.scan.state()), ")"));
  }
  CASCADE_RETURN_IF_ERROR(im.Commit(
      [&](Change& ch) {
        im.TouchScan(ch, s);
        s.scan.set_state(v1::SCAN_STATE_CANCELED);
        s.scan.set_message("canceled by a user");
        for (const std::string& id : s.trial_ids) {
          TrialRuntime& t = *im.trials.at(id);
          if (IsTerminal(t.trial.state())) continue;
          CASCADE_RETURN_IF_ERROR(
              im.EndTrial(ch, s, t, v1::TRIAL_STATE_CANCELED, "scan canceled", now));
        }
        return absl::OkStatus();
      },
      now));
  *response.mutable_scan() = s.scan;
  spdlog::info("coordinator: scan {} canceled", s.scan.id());
  return response;
}

absl::StatusOr<v1::PauseScanResponse> Coordinator::PauseScan(const v1::PauseScanRequest& request,
                                                             absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.scans.find(request.scan_id());
  if (it == im.scans.end()) return ScanNotFound(request.scan_id());
  ScanRuntime& s = *it->second;
  if (s.scan.state() != v1::SCAN_STATE_RUNNING) {
    return absl::FailedPreconditionError(absl::StrCat("scan ", s.scan.id(), " is not running (",
                                                      v1::ScanState_Name(s.scan.state()), ")"));
  }
  CASCADE_RETURN_IF_ERROR(im.Commit(
      [&](Change& ch) {
        im.TouchScan(ch, s);
        s.scan.set_state(v1::SCAN_STATE_PAUSED);
        for (const std::string& id : s.trial_ids) {
          TrialRuntime& t = *im.trials.at(id);
          if (t.trial.state() != v1::TRIAL_STATE_RUNNING &&
              t.trial.state() != v1::TRIAL_STATE_PENDING) {
            continue;
          }
          CASCADE_RETURN_IF_ERROR(
              im.EndTrial(ch, s, t, v1::TRIAL_STATE_PAUSED, "scan paused", now));
        }
        return absl::OkStatus();
      },
      now));
  v1::PauseScanResponse response;
  *response.mutable_scan() = s.scan;
  return response;
}

absl::StatusOr<v1::ResumeScanResponse> Coordinator::ResumeScan(const v1::ResumeScanRequest& request,
                                                               absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.scans.find(request.scan_id());
  if (it == im.scans.end()) return ScanNotFound(request.scan_id());
  ScanRuntime& s = *it->second;
  if (s.scan.state() != v1::SCAN_STATE_PAUSED) {
    return absl::FailedPreconditionError(absl::StrCat("scan ", s.scan.id(), " is not paused (",
                                                      v1::ScanState_Name(s.scan.state()), ")"));
  }
  CASCADE_RETURN_IF_ERROR(im.Commit(
      [&](Change& ch) {
        im.TouchScan(ch, s);
        s.scan.set_state(v1::SCAN_STATE_RUNNING);
        s.scan.clear_message();
        for (const std::string& id : s.trial_ids) {
          TrialRuntime& t = *im.trials.at(id);
          if (t.trial.state() != v1::TRIAL_STATE_PAUSED) continue;
          im.TouchTrial(ch, t);
          t.trial.set_state(v1::TRIAL_STATE_PENDING);
          t.trial.clear_message();
          t.next_reason = "resumed";
        }
        return absl::OkStatus();
      },
      now));
  v1::ResumeScanResponse response;
  *response.mutable_scan() = s.scan;
  return response;
}

absl::StatusOr<v1::ListWorkersResponse> Coordinator::ListWorkers(
    const v1::ListWorkersRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  v1::ListWorkersResponse response;
  for (const auto& [id, w] : impl_->workers) {
    const v1::WorkerState st = w.worker.state();
    const bool wanted = request.states().empty()
                            ? st != v1::WORKER_STATE_GONE
                            : std::find(request.states().begin(), request.states().end(), st) !=
                                  request.states().end();
    if (!wanted) continue;
    v1::Worker* out = response.add_workers();
    *out = w.worker;
    *out->mutable_last_heartbeat() = TimeToProto(w.last_heartbeat);
    out->set_committed_step(w.committed_step);
    *out->mutable_timing() = w.timing;
    out->set_straggler(w.straggler.flagged());
  }
  return response;
}

absl::StatusOr<v1::GetTrialResponse> Coordinator::GetTrial(const v1::GetTrialRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  v1::GetTrialResponse response;
  if (const TrialRuntime* t = im.FindTrial(request.trial_id())) {
    *response.mutable_trial() = t->trial;
  } else {
    CASCADE_ASSIGN_OR_RETURN(*response.mutable_trial(), im.store->GetTrial(request.trial_id()));
  }
  CASCADE_ASSIGN_OR_RETURN(auto checkpoints, im.store->ListCheckpoints(request.trial_id()));
  for (auto& c : checkpoints) *response.add_checkpoints() = std::move(c);
  return response;
}

absl::StatusOr<v1::ListMetricsResponse> Coordinator::ListMetrics(
    const v1::ListMetricsRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  if (im.FindTrial(request.trial_id()) == nullptr) {
    CASCADE_RETURN_IF_ERROR(im.store->GetTrial(request.trial_id()).status());
  }
  // Reads see every metric received so far, buffered ones included.
  CASCADE_RETURN_IF_ERROR(im.FlushSteps());
  std::string next;
  CASCADE_ASSIGN_OR_RETURN(
      auto records, im.store->ListMetrics(request.trial_id(), request.kind(), request.after_step(),
                                          request.page_size() > 0 ? request.page_size() : 1000,
                                          request.page_token(), &next));
  v1::ListMetricsResponse response;
  for (auto& r : records) *response.add_records() = std::move(r);
  response.set_next_page_token(next);
  return response;
}

}  // namespace cascade::coordinator
