// Coordinator: the trial lifecycle — searcher actions, placement of pending trials onto idle
// workers (TrialScheduler), stopping/ending trials, and restarts after a group failure.
#include <algorithm>
#include <tuple>
#include <variant>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/spec_mapping.h"
#include "coordinator/core/trial_scheduler.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {

std::vector<WorkerRuntime*> Coordinator::Impl::BoundTo(const std::string& trial_id,
                                                       int generation) {
  std::vector<WorkerRuntime*> out;
  for (auto& [id, w] : workers) {
    if (w.worker.trial_id() == trial_id && w.worker.generation() == generation) out.push_back(&w);
  }
  return out;
}

bool Coordinator::Impl::AnyBoundTo(const std::string& trial_id) {
  for (const auto& [id, w] : workers) {
    if (w.worker.trial_id() == trial_id) return true;
  }
  return false;
}

int Coordinator::Impl::ScanRestarts(const ScanRuntime& s) const {
  int n = 0;
  for (const std::string& id : s.trial_ids) {
    auto it = trials.find(id);
    if (it != trials.end()) n += it->second->trial.restarts();
  }
  return n;
}

void Coordinator::Impl::StopGroup(Change& ch, TrialRuntime& t, bool checkpoint,
                                  const std::string& reason, absl::Time now) {
  const std::string prefix = RendezvousPrefixOf(t.trial.id(), t.trial.generation());
  for (WorkerRuntime* w : BoundTo(t.trial.id(), t.trial.generation())) {
    const bool connected = w->worker.state() == v1::WORKER_STATE_BUSY && w->sink != nullptr;
    if (!connected) {
      Release(ch, *w);  // a lost member re-attaches to nothing (keep_current = false)
      continue;
    }
    // Survivors stay bound until they report TrialFinished (or vanish), so they are not placed
    // twice and a pause checkpoint still reaches the trial.
    v1::CoordinatorMessage msg;
    v1::StopTrial* stop = msg.mutable_command()->mutable_stop_trial();
    stop->set_trial_id(t.trial.id());
    stop->set_checkpoint(checkpoint);
    stop->set_reason(reason);
    TouchWorker(ch, *w);
    w->stop_sent_at = now;
    ch.after_commit.push_back([sink = w->sink, msg] { sink->Send(msg); });
  }
  if (t.trial.generation() > 0) {
    ch.after_commit.push_back([this, prefix] {
      if (owner->on_generation_ended) owner->on_generation_ended(prefix);
    });
  }
}

absl::Status Coordinator::Impl::EndTrial(Change& ch, ScanRuntime& s, TrialRuntime& t,
                                         v1::TrialState state, const std::string& message,
                                         absl::Time now) {
  TouchTrial(ch, t);
  const bool was_running = t.trial.state() == v1::TRIAL_STATE_RUNNING;
  if (was_running) StopGroup(ch, t, state == v1::TRIAL_STATE_PAUSED, message, now);
  t.trial.set_state(state);
  t.trial.set_message(message);
  t.trial.clear_worker_ids();
  t.trial.set_world_size(0);
  spdlog::info("coordinator: trial {} -> {} ({})", t.trial.id(), v1::TrialState_Name(state),
               message);
  if (!IsTerminal(state) || state == v1::TRIAL_STATE_CANCELED || !s.live() ||
      IsTerminal(s.scan.state())) {
    return absl::OkStatus();
  }
  TouchSearcher(ch, s);
  CASCADE_ASSIGN_OR_RETURN(
      auto actions, s.method->TrialExited(t.trial.request_id(), state == v1::TRIAL_STATE_FAILED));
  return ApplyActions(ch, s, std::move(actions), now);
}

std::string Coordinator::Impl::RestartBudgetExhausted(const ScanRuntime& s,
                                                      const TrialRuntime& t) const {
  const int max_restarts = s.spec.has_value() ? s.spec->max_restarts : 0;
  const int per_trial = s.spec.has_value() ? s.spec->max_restarts_per_trial : 0;
  if (ScanRestarts(s) >= max_restarts) {
    return absl::StrCat("restart budget exhausted (max_restarts ", max_restarts, " per scan)");
  }
  if (per_trial > 0 && t.trial.restarts() >= per_trial) {
    return absl::StrCat("restart budget exhausted (max_restarts_per_trial ", per_trial, ")");
  }
  return "";
}

absl::Status Coordinator::Impl::RestartOrFail(Change& ch, ScanRuntime& s, TrialRuntime& t,
                                              const std::string& reason, absl::Time now,
                                              bool charged) {
  if (t.trial.state() != v1::TRIAL_STATE_RUNNING) return absl::OkStatus();
  const int max_restarts = s.spec.has_value() ? s.spec->max_restarts : 0;
  const int used = ScanRestarts(s);
  if (const std::string exhausted = RestartBudgetExhausted(s, t); charged && !exhausted.empty()) {
    spdlog::warn("coordinator: trial {} failed, scan {} used {} of {} restarts: {}: {}",
                 t.trial.id(), s.scan.id(), used, max_restarts, exhausted, reason);
    return EndTrial(ch, s, t, v1::TRIAL_STATE_FAILED, absl::StrCat(exhausted, ": ", reason), now);
  }
  TouchTrial(ch, t);
  StopGroup(ch, t, /*checkpoint=*/false, reason, now);
  t.trial.set_state(v1::TRIAL_STATE_PENDING);
  if (charged) t.trial.set_restarts(t.trial.restarts() + 1);
  t.trial.set_message(reason);
  t.trial.clear_worker_ids();
  t.trial.set_world_size(0);
  t.next_reason = reason;
  t.next_failed_at = now;
  t.next_charged = charged;
  t.next_last_step = t.last_step;
  t.regroup = RegroupState{};
  spdlog::warn("coordinator: trial {} restarts ({} of {} in scan {}{}) from {}: {}", t.trial.id(),
               used + (charged ? 1 : 0), max_restarts, s.scan.id(), charged ? "" : ", not charged",
               t.trial.latest_checkpoint().path().empty() ? std::string("scratch")
                                                          : t.trial.latest_checkpoint().path(),
               reason);
  return absl::OkStatus();
}

absl::Status Coordinator::Impl::ApplyActions(Change& ch, ScanRuntime& s,
                                             std::vector<scan::Action> actions, absl::Time now) {
  for (size_t i = 0; i < actions.size(); ++i) {
    const scan::Action action = actions[i];
    if (const auto* create = std::get_if<scan::Create>(&action)) {
      TouchScan(ch, s);
      v1::Trial trial;
      trial.set_scan_id(s.scan.id());
      trial.set_request_id(create->request_id);
      trial.set_state(v1::TRIAL_STATE_PENDING);
      HparamsToProto(create->hparams, trial.mutable_hparams());
      trial.set_seed(create->seed);
      trial.set_max_epochs(s.method->TrialEpochs());
      *trial.mutable_created_at() = TimeToProto(now);
      *trial.mutable_updated_at() = TimeToProto(now);
      trial.mutable_provenance()->set_trial_seed(create->seed);
      CASCADE_ASSIGN_OR_RETURN(v1::Trial stored, store->InsertTrial(trial));
      auto rt = std::make_unique<TrialRuntime>();
      rt->trial = stored;
      rt->last_progress = now;
      const std::string id = stored.id();
      trials[id] = std::move(rt);
      s.trial_ids.push_back(id);
      s.by_request[create->request_id] = id;
      ch.rollback.push_back([this, id] { trials.erase(id); });
      QueueTrialEvent(ch, stored);
    } else if (const auto* stop = std::get_if<scan::Stop>(&action)) {
      auto it = s.by_request.find(stop->request_id);
      if (it == s.by_request.end()) continue;
      TrialRuntime* t = FindTrial(it->second);
      if (t == nullptr || IsTerminal(t->trial.state())) continue;
      TouchSearcher(ch, s);
      CASCADE_RETURN_IF_ERROR(EndTrial(
          ch, s, *t, v1::TRIAL_STATE_STOPPED,
          absl::StrCat("stopped by the searcher after ", t->last_reported_epoch, " epochs"), now));
    } else {
      TouchScan(ch, s);
      s.shutdown = true;
    }
  }
  MaybeFinishScan(ch, s, now);
  return absl::OkStatus();
}

void Coordinator::Impl::MaybeFinishScan(Change& ch, ScanRuntime& s, absl::Time now) {
  if (!s.shutdown || IsTerminal(s.scan.state())) return;
  int failed = 0;
  for (const std::string& id : s.trial_ids) {
    const TrialRuntime* t = FindTrial(id);
    if (t != nullptr && !IsTerminal(t->trial.state())) return;
    failed += t != nullptr && t->trial.state() == v1::TRIAL_STATE_FAILED;
  }
  TouchScan(ch, s);
  if (failed > 0 && failed == static_cast<int>(s.trial_ids.size())) {
    s.scan.set_state(v1::SCAN_STATE_FAILED);
    s.scan.set_message("every trial failed");
  } else {
    s.scan.set_state(v1::SCAN_STATE_COMPLETED);
  }
  spdlog::info("coordinator: scan {} -> {}", s.scan.id(), v1::ScanState_Name(s.scan.state()));
}

v1::Assignment Coordinator::Impl::BuildAssignment(const ScanRuntime& s, const TrialRuntime& t,
                                                  int rank) const {
  const scan::ScanSpec& spec = *s.spec;
  v1::Assignment a;
  a.set_trial_id(t.trial.id());
  a.set_scan_id(s.scan.id());
  a.set_generation(t.trial.generation());
  a.set_rank(rank);
  a.set_world_size(t.trial.world_size());
  *a.mutable_hparams() = t.trial.hparams();
  a.set_seed(t.trial.seed());
  *a.mutable_data() = DataSourceFromSpec(spec.data);
  *a.mutable_model() = ModelVariantFromSpec(spec.model);
  a.set_max_epochs(t.trial.max_epochs());
  a.set_resume_checkpoint(t.trial.latest_checkpoint().path());
  a.set_checkpoint_dir(
      TrialCheckpointDir(spec, options.checkpoint_root, s.scan.id(), t.trial.id()));
  a.set_rendezvous_prefix(RendezvousPrefixOf(t.trial.id(), t.trial.generation()));
  a.set_commit_every_steps(spec.training.commit_every_steps);
  a.set_steps_per_epoch(spec.training.steps_per_epoch);
  a.set_validation_events(spec.training.validation_events);
  a.set_checkpoint_every_steps(spec.training.checkpoint_every_steps);
  const bool in_place = !t.trial.generations().empty() &&
                        t.trial.generations().rbegin()->generation() == t.trial.generation() &&
                        t.trial.generations().rbegin()->in_place();
  a.set_in_place_step(in_place ? t.trial.generations().rbegin()->start_step() : 0);
  a.set_lr_scale(t.trial.lr_scale() > 0 ? t.trial.lr_scale() : 1.0);
  return a;
}

absl::Status Coordinator::Impl::Schedule(absl::Time now) {
  const std::vector<WorkerRuntime*> idle = IdleWorkers(now);  // sorted by host, no cooldown
  if (idle.empty()) return absl::OkStatus();
  std::set<std::string> holding;  // trials that still have a worker bound
  for (const auto& [id, w] : workers) {
    if (w.bound()) holding.insert(w.worker.trial_id());
  }
  std::vector<PendingTrial> pending;
  std::vector<ScanSlots> slots;
  for (auto& [id, s] : scans) {
    if (!s->live() || s->scan.state() != v1::SCAN_STATE_RUNNING) continue;
    ScanSlots slot{id,
                   s->order,
                   s->spec->resources.min_workers,
                   s->spec->resources.max_workers,
                   s->spec->resources.max_concurrent_trials,
                   0};
    bool any = false;
    for (const std::string& tid : s->trial_ids) {
      const TrialRuntime* t = FindTrial(tid);
      if (t == nullptr) continue;
      if (t->trial.state() == v1::TRIAL_STATE_RUNNING || holding.count(tid)) {
        ++slot.live_trials;
      } else if (t->trial.state() == v1::TRIAL_STATE_PENDING) {
        pending.push_back({tid, id, t->trial.request_id()});
        any = true;
      }
    }
    if (any) slots.push_back(slot);
  }
  if (pending.empty()) return absl::OkStatus();
  std::vector<std::string> idle_ids;
  for (const WorkerRuntime* w : idle) idle_ids.push_back(w->worker.id());
  const std::vector<Placement> placements = ScheduleTrials(pending, slots, idle_ids);
  if (placements.empty()) return absl::OkStatus();

  return Commit(
      [&](Change& ch) {
        for (const Placement& p : placements) {
          TrialRuntime& t = *FindTrial(p.trial_id);
          ScanRuntime& s = *scans.at(p.scan_id);
          TouchTrial(ch, t);
          const bool resume = !t.trial.latest_checkpoint().path().empty();
          t.trial.set_state(v1::TRIAL_STATE_RUNNING);
          t.trial.set_generation(t.trial.generation() + 1);
          t.trial.set_world_size(static_cast<int>(p.worker_ids.size()));
          t.trial.clear_worker_ids();
          for (const auto& w : p.worker_ids) t.trial.add_worker_ids(w);
          t.trial.set_steps_completed(resume ? t.trial.latest_checkpoint().step() : 0);
          t.trial.set_epochs_completed(resume ? t.trial.latest_checkpoint().epoch() : 0);
          t.trial.clear_message();
          v1::GroupGeneration* g = t.trial.add_generations();
          g->set_generation(t.trial.generation());
          g->set_world_size(t.trial.world_size());
          *g->mutable_worker_ids() = t.trial.worker_ids();
          g->set_start_step(t.trial.steps_completed());
          g->set_reason(t.next_reason);
          *g->mutable_started_at() = TimeToProto(now);
          if (t.next_failed_at != absl::InfinitePast()) {  // a restart, not a first placement
            *g->mutable_failed_at() = TimeToProto(t.next_failed_at);
            g->set_charged(t.next_charged);
            g->set_steps_lost(std::max<int64_t>(0, t.next_last_step - g->start_step()));
          }
          t.next_failed_at = absl::InfinitePast();
          t.last_progress = now;
          t.last_step = t.trial.steps_completed();
          t.regroup = RegroupState{};
          t.grow_requested_generation = 0;
          for (size_t rank = 0; rank < p.worker_ids.size(); ++rank) {
            Bind(ch, workers.at(p.worker_ids[rank]), t, static_cast<int>(rank));
          }
          spdlog::info("coordinator: trial {} of scan {} placed, generation {} on {} worker(s)",
                       t.trial.id(), s.scan.id(), t.trial.generation(), p.worker_ids.size());
        }
        return absl::OkStatus();
      },
      now);
}

}  // namespace cascade::coordinator
