// Coordinator: construction and restart recovery, the transaction helpers every mutation goes
// through, Tick and the small queries. Scan/trial logic lives in coordinator_trials.cc, worker
// sessions in coordinator_workers.cc, the user API in coordinator_user.cc.
#include "coordinator/core/coordinator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/scan/searcher/make_search_method.h"
#include "common/scan/spec_parser.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/spec_mapping.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {

std::string RendezvousPrefixOf(const std::string& trial_id, int generation) {
  return absl::StrCat("trial/", trial_id, "/gen/", generation);
}

bool IsTerminal(v1::TrialState state) {
  return state == v1::TRIAL_STATE_COMPLETED || state == v1::TRIAL_STATE_STOPPED ||
         state == v1::TRIAL_STATE_FAILED || state == v1::TRIAL_STATE_CANCELED;
}

bool IsTerminal(v1::ScanState state) {
  return state == v1::SCAN_STATE_COMPLETED || state == v1::SCAN_STATE_CANCELED ||
         state == v1::SCAN_STATE_FAILED;
}

Coordinator::Coordinator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Coordinator::~Coordinator() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  absl::Status st = impl_->FlushSteps();
  if (!st.ok())
    spdlog::error("coordinator: losing buffered step metrics at shutdown: {}", st.ToString());
}

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Create(std::unique_ptr<StateStore> store,
                                                                 CoordinatorOptions options,
                                                                 absl::Time now) {
  if (store == nullptr) return absl::InvalidArgumentError("coordinator: no state store");
  auto coordinator = std::unique_ptr<Coordinator>(new Coordinator(nullptr));
  coordinator->impl_ =
      std::make_unique<Impl>(coordinator.get(), std::move(store), std::move(options));
  std::lock_guard<std::mutex> lock(coordinator->impl_->mu);
  CASCADE_RETURN_IF_ERROR(coordinator->impl_->Recover(now));
  coordinator->impl_->last_flush = now;
  return coordinator;
}

absl::Status Coordinator::Impl::Recover(absl::Time now) {
  std::vector<v1::Scan> all;
  std::string token;
  do {
    std::string next;
    CASCADE_ASSIGN_OR_RETURN(auto page, store->ListScans({}, 1000, token, &next));
    all.insert(all.end(), page.begin(), page.end());
    token = next;
  } while (!token.empty());
  std::sort(all.begin(), all.end(),
            [](const v1::Scan& a, const v1::Scan& b) { return a.id() < b.id(); });
  for (const v1::Scan& scan : all) CASCADE_RETURN_IF_ERROR(LoadScan(scan));
  for (auto& [id, t] : trials) t->last_progress = now;

  CASCADE_ASSIGN_OR_RETURN(auto stored_workers, store->ListWorkers());
  for (const v1::Worker& w : stored_workers) {
    WorkerRuntime& rt = workers[w.id()];
    rt.worker = w;
    rt.last_heartbeat = TimeFromProto(w.last_heartbeat());
    rt.assignment_delivered = true;  // a re-attaching worker still has it
  }
  RecoverRegroups(now);
  // Every worker must re-attach within the grace window; groups wait for their members.
  absl::Status st = Commit(
      [&](Change& ch) {
        for (auto& [id, w] : workers) {
          if (w.worker.state() == v1::WORKER_STATE_GONE) continue;
          TouchWorker(ch, w);
          w.worker.set_state(v1::WORKER_STATE_LOST);
          w.alive_until = now + options.reattach_grace;
          w.lost_since = now;
          w.stop_sent_at = now;  // a leftover binding gets progress_timeout to wind down
        }
        return absl::OkStatus();
      },
      now);
  if (st.ok()) {
    spdlog::info("coordinator: recovered {} scans, {} live trials, {} workers", scans.size(),
                 trials.size(), workers.size());
  }
  return st;
}

absl::Status Coordinator::Impl::LoadScan(const v1::Scan& scan) {
  auto rt = std::make_unique<ScanRuntime>();
  rt->scan = scan;
  rt->order = next_scan_order++;
  ScanRuntime& s = *rt;
  scans[scan.id()] = std::move(rt);
  if (IsTerminal(scan.state())) return absl::OkStatus();

  auto fail = [&](const std::string& why) {
    spdlog::error("coordinator: scan {} cannot be restored: {}", scan.id(), why);
    s.scan.set_state(v1::SCAN_STATE_FAILED);
    s.scan.set_message(absl::StrCat("cannot be restored after a coordinator restart: ", why));
    s.method.reset();
    return store->UpdateScan(s.scan);
  };
  auto spec = scan::ParseScanSpec(scan.spec_yaml());
  if (!spec.ok()) return fail(std::string(spec.status().message()));
  s.spec = *std::move(spec);
  s.method = scan::MakeSearchMethod(*s.spec);
  CASCADE_ASSIGN_OR_RETURN(auto snapshot, store->GetSearcherState(scan.id()));
  if (!snapshot.has_value()) return fail("no searcher state stored");
  try {
    absl::Status st = s.method->Restore(nlohmann::json::parse(*snapshot));
    if (!st.ok()) return fail(std::string(st.message()));
  } catch (const nlohmann::json::exception& e) {
    return fail(absl::StrCat("searcher state: ", e.what()));
  }

  CASCADE_ASSIGN_OR_RETURN(auto stored_trials, store->ListTrials(scan.id()));
  for (const v1::Trial& trial : stored_trials) {
    auto t = std::make_unique<TrialRuntime>();
    t->trial = trial;
    t->last_step = trial.steps_completed();
    if (!IsTerminal(trial.state())) {
      // The searcher saw every stored validation (same transaction): rebuild its epoch cursor.
      std::string token;
      do {
        std::string next;
        CASCADE_ASSIGN_OR_RETURN(
            auto records,
            store->ListMetrics(trial.id(), v1::METRIC_KIND_VALIDATION, -1, 10000, token, &next));
        for (const auto& r : records) {
          t->last_reported_epoch = std::max(t->last_reported_epoch, r.validation().epoch());
          auto metric = ValidationMetric(r.validation(), scan.metric());
          if (metric.has_value()) t->metric_by_epoch[r.validation().epoch()] = *metric;
        }
        token = next;
      } while (!token.empty());
    }
    s.trial_ids.push_back(trial.id());
    s.by_request[trial.request_id()] = trial.id();
    trials[trial.id()] = std::move(t);
  }
  return absl::OkStatus();
}

absl::Status Coordinator::Impl::Commit(const std::function<absl::Status(Change&)>& body,
                                       absl::Time now) {
  Change ch;
  absl::Status st = store->RunInTransaction([&]() -> absl::Status {
    CASCADE_RETURN_IF_ERROR(body(ch));
    return WriteTouched(ch, now);
  });
  if (!st.ok()) {
    for (auto it = ch.rollback.rbegin(); it != ch.rollback.rend(); ++it) (*it)();
    return st;
  }
  for (auto& f : ch.after_commit) f();
  return absl::OkStatus();
}

void Coordinator::Impl::TouchTrial(Change& ch, TrialRuntime& t) {
  const std::string id = t.trial.id();
  if (!ch.trials.insert(id).second) return;
  ch.rollback.push_back([this, id, saved = t] {
    auto it = trials.find(id);
    if (it != trials.end()) *it->second = saved;
  });
  ScanRuntime* s = ScanOf(t);
  if (s != nullptr) TouchScan(ch, *s);
}

void Coordinator::Impl::TouchScan(Change& ch, ScanRuntime& s) {
  const std::string id = s.scan.id();
  if (!ch.scans.insert(id).second) return;
  ch.rollback.push_back([this, id, scan = s.scan, shutdown = s.shutdown, ids = s.trial_ids,
                         by_request = s.by_request] {
    auto it = scans.find(id);
    if (it == scans.end()) return;
    it->second->scan = scan;
    it->second->shutdown = shutdown;
    it->second->trial_ids = ids;
    it->second->by_request = by_request;
  });
}

void Coordinator::Impl::TouchWorker(Change& ch, WorkerRuntime& w) {
  const std::string id = w.worker.id();
  if (!ch.workers.insert(id).second) return;
  ch.rollback.push_back([this, id, saved = w] {
    auto it = workers.find(id);
    if (it != workers.end()) it->second = saved;
  });
}

void Coordinator::Impl::TouchSearcher(Change& ch, ScanRuntime& s) {
  const std::string id = s.scan.id();
  if (!ch.searchers.insert(id).second) return;
  TouchScan(ch, s);
  ch.rollback.push_back([this, id, snapshot = s.method->Snapshot()] {
    auto it = scans.find(id);
    if (it == scans.end() || !it->second->method) return;
    absl::Status st = it->second->method->Restore(snapshot);
    if (!st.ok()) spdlog::error("coordinator: searcher rollback of {}: {}", id, st.ToString());
  });
}

absl::Status Coordinator::Impl::WriteTouched(Change& ch, absl::Time now) {
  for (const std::string& id : ch.trials) {
    TrialRuntime* t = FindTrial(id);
    if (t == nullptr) continue;
    *t->trial.mutable_updated_at() = TimeToProto(now);
    CASCADE_RETURN_IF_ERROR(store->UpdateTrial(t->trial));
    QueueTrialEvent(ch, t->trial);
  }
  for (const std::string& id : ch.searchers) {
    ScanRuntime& s = *scans.at(id);
    CASCADE_RETURN_IF_ERROR(store->PutSearcherState(id, s.method->Snapshot().dump()));
  }
  for (const std::string& id : ch.scans) {
    ScanRuntime& s = *scans.at(id);
    s.scan = ScanWithCounts(s);
    *s.scan.mutable_updated_at() = TimeToProto(now);
    CASCADE_RETURN_IF_ERROR(store->UpdateScan(s.scan));
    QueueScanEvent(ch, s.scan);
  }
  for (const std::string& id : ch.workers) {
    WorkerRuntime& w = workers.at(id);
    *w.worker.mutable_last_heartbeat() = TimeToProto(w.last_heartbeat);
    w.worker.set_committed_step(w.committed_step);
    *w.worker.mutable_timing() = w.timing;
    w.worker.set_straggler(w.straggler.flagged());
    CASCADE_RETURN_IF_ERROR(store->UpdateWorker(w.worker));
  }
  return absl::OkStatus();
}

absl::Status Coordinator::Impl::FlushSteps() {
  if (step_buffer.empty()) return absl::OkStatus();
  CASCADE_RETURN_IF_ERROR(store->AppendMetrics(step_buffer));
  step_buffer.clear();
  return absl::OkStatus();
}

TrialRuntime* Coordinator::Impl::FindTrial(const std::string& id) {
  auto it = trials.find(id);
  return it == trials.end() ? nullptr : it->second.get();
}

ScanRuntime* Coordinator::Impl::ScanOf(const TrialRuntime& t) {
  auto it = scans.find(t.trial.scan_id());
  return it == scans.end() ? nullptr : it->second.get();
}

void Coordinator::Tick(absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->CheckWorkers(now);
  impl_->CheckTrials(now);
  impl_->DecideRegroups(now);  // before Schedule: a broken group gets its members back first
  if (impl_->step_buffer.size() >= kMaxBufferedSteps ||
      now - impl_->last_flush >= kStepFlushPeriod) {
    absl::Status st = impl_->FlushSteps();
    if (!st.ok())
      spdlog::error("coordinator: step metrics flush failed (kept in memory): {}", st.ToString());
    impl_->last_flush = now;
  }
  absl::Status st = impl_->Schedule(now);
  if (!st.ok()) spdlog::error("coordinator: scheduling failed: {}", st.ToString());
  impl_->GrowGroups(now);  // after Schedule: pending trials come before bigger groups
}

std::optional<std::string> Coordinator::RendezvousPrefix(const std::string& worker_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->workers.find(worker_id);
  if (it == impl_->workers.end() || !impl_->IsCurrentMember(it->second)) return std::nullopt;
  return RendezvousPrefixOf(it->second.worker.trial_id(), it->second.worker.generation());
}

CoordinatorStats Coordinator::Stats() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  CoordinatorStats stats;
  auto lower = [](std::string name, const std::string& prefix) {
    name = name.substr(prefix.size());
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    return name;
  };
  for (int s = v1::WorkerState_MIN; s <= v1::WorkerState_MAX; ++s) {
    if (s == v1::WORKER_STATE_UNSPECIFIED || !v1::WorkerState_IsValid(s)) continue;
    stats.workers_by_state[lower(v1::WorkerState_Name(s), "WORKER_STATE_")] = 0;
  }
  for (int s = v1::TrialState_MIN; s <= v1::TrialState_MAX; ++s) {
    if (s == v1::TRIAL_STATE_UNSPECIFIED || !v1::TrialState_IsValid(s)) continue;
    stats.trials_by_state[lower(v1::TrialState_Name(s), "TRIAL_STATE_")] = 0;
  }
  for (const auto& [id, w] : impl_->workers) {
    ++stats.workers_by_state[lower(v1::WorkerState_Name(w.worker.state()), "WORKER_STATE_")];
  }
  for (const auto& [id, t] : impl_->trials) {
    ++stats.trials_by_state[lower(v1::TrialState_Name(t->trial.state()), "TRIAL_STATE_")];
  }
  stats.steps_total = impl_->steps_total;
  stats.heartbeats_total = impl_->heartbeats_total;
  return stats;
}

}  // namespace cascade::coordinator
