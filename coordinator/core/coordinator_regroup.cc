// Coordinator: elastic groups — deciding how a running trial's broken generation re-forms. A
// regroup is triggered by a lost/gone member or the progress watchdog (CheckTrials), a
// GroupSuspended or a Deregister (coordinator_elastic.cc). Tick then decides every regrouping
// trial whose members are all accounted for (or whose regroup_timeout passed) with the pure
// GroupPlanner, and applies the plan: a new generation in place from the survivors' commit, a
// wait below min_workers, or today's restart from the last disk checkpoint. Growth: a healthy
// group below max_workers is asked to regroup (Regroup command) when idle workers are left over
// after pending trials were placed.
#include <algorithm>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/group_planner.h"
#include "coordinator/core/spec_mapping.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {

bool Coordinator::Impl::Regrouping(const TrialRuntime& t) const {
  return t.trial.state() == v1::TRIAL_STATE_RUNNING && t.regroup.generation > 0 &&
         t.regroup.generation == t.trial.generation();
}

namespace {

// How a member of the breaking generation `g` of `trial_id` stands (see group_planner.h).
MemberStatus StatusOf(const WorkerRuntime* w, const std::string& trial_id, int g, absl::Time now) {
  if (w == nullptr || w->worker.trial_id() != trial_id || w->worker.generation() != g) {
    return MemberStatus::kDeparted;  // finished its rank, drained (Deregister) or released
  }
  const v1::WorkerState st = w->worker.state();
  if (st == v1::WORKER_STATE_GONE) return MemberStatus::kDeparted;
  if (st == v1::WORKER_STATE_LOST) {
    // A stream that ended during a regroup is a dead (or cut-off) member: its collective broke
    // too, so waiting out its heartbeat timeout would only delay the survivors (SIGKILL: the
    // kernel closes the socket at once). A member still silent but connected gets the timeout.
    return now > w->alive_until || w->stream_ended ? MemberStatus::kDeparted
                                                   : MemberStatus::kUnaccounted;
  }
  if (w->sink == nullptr) return MemberStatus::kUnaccounted;
  return w->worker.suspended_generation() == g ? MemberStatus::kSuspended
                                               : MemberStatus::kUnaccounted;
}

}  // namespace

void Coordinator::Impl::DecideRegroups(absl::Time now) {
  std::vector<std::string> ids;
  for (const auto& [id, t] : trials) {
    if (Regrouping(*t)) ids.push_back(id);
  }
  if (ids.empty()) return;
  // Both scan every worker: computed once per Tick, again only after a regroup changed them (a
  // rack failure can leave many trials waiting below min_workers for regroup_timeout).
  std::optional<bool> trials_wait;
  std::vector<WorkerRuntime*> idle = IdleWorkers(now);
  for (const std::string& id : ids) {
    TrialRuntime* t = FindTrial(id);
    ScanRuntime* s = t == nullptr ? nullptr : ScanOf(*t);
    if (t == nullptr || s == nullptr || !s->spec.has_value() || !Regrouping(*t)) continue;
    const RegroupState& r = t->regroup;
    const int g = t->trial.generation();
    const auto& res = s->spec->resources;
    RegroupInput in;
    in.min_workers = res.min_workers;
    in.timed_out = r.presume_hung || now - r.triggered_at >= options.regroup_timeout;
    // Replacing lost members is not growth; beyond the old size pending trials come first.
    if (!r.growth_only && !trials_wait.has_value()) trials_wait = AnyPlaceablePending();
    in.joiner_cap =
        r.growth_only || !*trials_wait
            ? res.max_workers
            : std::min(res.max_workers, std::max(res.min_workers, t->trial.world_size()));
    std::vector<WorkerRuntime*> departed_lost;  // charged, and counted against their host
    for (int rank = 0; rank < t->trial.worker_ids_size(); ++rank) {
      auto it = workers.find(t->trial.worker_ids(rank));
      WorkerRuntime* w = it == workers.end() ? nullptr : &it->second;
      GroupMember m{t->trial.worker_ids(rank), rank, StatusOf(w, id, g, now), 0};
      if (m.status == MemberStatus::kSuspended) m.committed_step = w->committed_step;
      if (m.status == MemberStatus::kDeparted && w != nullptr && w->worker.trial_id() == id &&
          w->worker.generation() == g) {
        departed_lost.push_back(w);
      }
      in.members.push_back(m);
    }
    for (const WorkerRuntime* w : idle) in.idle_workers.push_back(w->worker.id());
    const RegroupPlan plan = PlanRegroup(in);
    if (plan.action == RegroupPlan::Action::kWait) continue;
    absl::Status st = Commit(
        [&](Change& ch) {
          TouchTrial(ch, *t);
          for (WorkerRuntime* w : departed_lost) {
            t->regroup.charged = true;
            if (t->regroup.hosts_charged.insert(w->worker.id()).second) {
              NoteHostFailure(ch, *w, now);
            }
          }
          if (plan.action == RegroupPlan::Action::kInPlace) {
            return ApplyInPlace(ch, *s, *t, plan, now);
          }
          return RegroupFromDisk(ch, *s, *t, plan, now);
        },
        now);
    if (!st.ok()) spdlog::error("coordinator: regrouping trial {}: {}", id, st.ToString());
    trials_wait.reset();
    idle = IdleWorkers(now);
  }
}

absl::Status Coordinator::Impl::RegroupFromDisk(Change& ch, ScanRuntime& s, TrialRuntime& t,
                                                const RegroupPlan& plan, absl::Time now) {
  const RegroupState r = t.regroup;
  std::string reason = r.reason;
  if (!plan.excluded.empty()) {
    absl::StrAppend(&reason, "; ", plan.excluded.size(), " member(s) silent for ",
                    absl::FormatDuration(now - r.triggered_at));
  }
  if (r.unhealthy) {
    HalveLr(t.trial);
    absl::StrAppend(&reason, "; health guard: lr_scale now ", t.trial.lr_scale());
  }
  const int64_t last_step = std::max(r.last_step, t.last_step);
  CASCADE_RETURN_IF_ERROR(RestartOrFail(ch, s, t, reason, now, r.charged));
  t.next_failed_at = r.triggered_at;
  t.next_last_step = last_step;
  t.regroup = RegroupState{};
  return absl::OkStatus();
}

absl::Status Coordinator::Impl::ApplyInPlace(Change& ch, ScanRuntime& s, TrialRuntime& t,
                                             const RegroupPlan& plan, absl::Time now) {
  const RegroupState r = t.regroup;
  const int old_gen = t.trial.generation();
  std::string reason = r.reason;
  if (r.unhealthy) {
    HalveLr(t.trial);
    absl::StrAppend(&reason, "; health guard: rolled back to step ", plan.in_place_step,
                    ", lr_scale now ", t.trial.lr_scale());
  }
  if (r.charged) {
    if (const std::string exhausted = RestartBudgetExhausted(s, t); !exhausted.empty()) {
      return EndTrial(ch, s, t, v1::TRIAL_STATE_FAILED, absl::StrCat(exhausted, ": ", reason), now);
    }
    t.trial.set_restarts(t.trial.restarts() + 1);
  }
  const std::set<std::string> next(plan.worker_ids.begin(), plan.worker_ids.end());
  const std::set<std::string> excluded(plan.excluded.begin(), plan.excluded.end());
  for (WorkerRuntime* w : BoundTo(t.trial.id(), old_gen)) {
    if (next.count(w->worker.id())) continue;
    if (!excluded.count(w->worker.id()) || w->sink == nullptr) {
      Release(ch, *w);  // lost or gone: re-attaches to nothing
      continue;
    }
    v1::CoordinatorMessage msg;  // silent past regroup_timeout: stays bound until it reports
    v1::StopTrial* stop = msg.mutable_command()->mutable_stop_trial();
    stop->set_trial_id(t.trial.id());
    stop->set_reason(absl::StrCat("left out of generation ", old_gen + 1,
                                  ": did not suspend within the regroup timeout"));
    TouchWorker(ch, *w);
    w->stop_sent_at = now;
    ch.after_commit.push_back([sink = w->sink, msg] { sink->Send(msg); });
  }
  ch.after_commit.push_back([this, prefix = RendezvousPrefixOf(t.trial.id(), old_gen)] {
    if (owner->on_generation_ended) owner->on_generation_ended(prefix);
  });
  const int64_t last_step = std::max(r.last_step, t.last_step);
  t.trial.set_generation(old_gen + 1);
  t.trial.set_world_size(static_cast<int>(plan.worker_ids.size()));
  t.trial.clear_worker_ids();
  for (const auto& id : plan.worker_ids) t.trial.add_worker_ids(id);
  t.trial.set_steps_completed(plan.in_place_step);
  t.trial.set_message(r.unhealthy ? reason : "");
  v1::GroupGeneration* g = t.trial.add_generations();
  g->set_generation(t.trial.generation());
  g->set_world_size(t.trial.world_size());
  *g->mutable_worker_ids() = t.trial.worker_ids();
  g->set_start_step(plan.in_place_step);
  g->set_reason(reason);
  *g->mutable_started_at() = TimeToProto(now);
  g->set_in_place(true);
  g->set_steps_lost(std::max<int64_t>(0, last_step - plan.in_place_step));
  *g->mutable_failed_at() = TimeToProto(r.triggered_at);
  g->set_charged(r.charged);
  t.last_progress = now;
  t.last_step = plan.in_place_step;
  t.regroup = RegroupState{};
  t.grow_requested_generation = 0;
  for (size_t rank = 0; rank < plan.worker_ids.size(); ++rank) {
    WorkerRuntime& w = workers.at(plan.worker_ids[rank]);
    Bind(ch, w, t, static_cast<int>(rank));
  }
  spdlog::info(
      "coordinator: trial {} generation {} re-formed in place from step {} on {} worker(s) "
      "({} survivor(s), {} joined, {} step(s) lost, {}charged): {}",
      t.trial.id(), t.trial.generation(), plan.in_place_step, plan.worker_ids.size(),
      plan.survivors, plan.worker_ids.size() - plan.survivors, g->steps_lost(),
      r.charged ? "" : "not ", r.reason);
  return absl::OkStatus();
}

void Coordinator::Impl::GrowGroups(absl::Time now) {
  int free = static_cast<int>(IdleWorkers(now).size());
  // More trials running beats bigger groups (AnyPlaceablePending scans every worker: last).
  if (free == 0 || AnyPlaceablePending()) return;
  std::vector<ScanRuntime*> order;
  for (auto& [id, s] : scans) {
    if (s->live() && s->scan.state() == v1::SCAN_STATE_RUNNING) order.push_back(s.get());
  }
  std::sort(order.begin(), order.end(),
            [](const ScanRuntime* a, const ScanRuntime* b) { return a->order < b->order; });
  std::vector<TrialRuntime*> grow;
  for (ScanRuntime* s : order) {
    for (const std::string& tid : s->trial_ids) {
      TrialRuntime* t = FindTrial(tid);
      if (free <= 0) break;
      if (t == nullptr || t->trial.state() != v1::TRIAL_STATE_RUNNING || Regrouping(*t) ||
          t->grow_requested_generation == t->trial.generation() ||
          t->trial.world_size() >= s->spec->resources.max_workers ||
          t->trial.generations().empty()) {
        continue;
      }
      // Only a group that is training (it commits before it leaves) and whole.
      const v1::GroupGeneration& gen = *t->trial.generations().rbegin();
      const bool training = gen.has_resumed_at() || t->last_step > gen.start_step();
      const auto members = BoundTo(tid, t->trial.generation());
      bool whole = training && static_cast<int>(members.size()) == t->trial.world_size();
      for (const WorkerRuntime* w : members) {
        whole = whole && IsCurrentMember(*w) && w->sink != nullptr &&
                w->worker.state() == v1::WORKER_STATE_BUSY;
      }
      if (!whole) continue;
      free -= s->spec->resources.max_workers - t->trial.world_size();
      grow.push_back(t);
    }
  }
  if (grow.empty()) return;
  absl::Status st = Commit(
      [&](Change& ch) {
        for (TrialRuntime* t : grow) {
          const int old = t->grow_requested_generation;
          ch.rollback.push_back([t, old] { t->grow_requested_generation = old; });
          t->grow_requested_generation = t->trial.generation();
          v1::CoordinatorMessage msg;
          v1::Regroup* rg = msg.mutable_command()->mutable_regroup();
          rg->set_trial_id(t->trial.id());
          rg->set_generation(t->trial.generation());
          rg->set_reason(absl::StrCat("grow: idle workers free, group of ", t->trial.world_size(),
                                      " below max_workers"));
          for (WorkerRuntime* w : BoundTo(t->trial.id(), t->trial.generation())) {
            ch.after_commit.push_back([sink = w->sink, msg] { sink->Send(msg); });
          }
          spdlog::info("coordinator: trial {} generation {} asked to regroup to grow",
                       t->trial.id(), t->trial.generation());
        }
        return absl::OkStatus();
      },
      now);
  if (!st.ok()) spdlog::error("coordinator: growing groups: {}", st.ToString());
}

}  // namespace cascade::coordinator
