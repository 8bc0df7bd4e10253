// Coordinator: elastic groups — the messages that break a generation up or report it started
// (GroupSuspended, Deregister, GroupStarted), per-rank timing (straggler flag), host failures
// (cooldown), and rebuilding regroups after a coordinator restart. The decisions themselves are
// in coordinator_regroup.cc.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/spec_mapping.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {
namespace {

// A drain (PEER_LEFT) or the coordinator's own request (REGROUP) is not a failure.
bool Charged(v1::SuspendCause cause) {
  return cause != v1::SUSPEND_CAUSE_PEER_LEFT && cause != v1::SUSPEND_CAUSE_REGROUP;
}

std::string SuspendReason(const std::string& worker_id, int rank, const v1::GroupSuspended& m) {
  std::string cause = v1::SuspendCause_Name(m.cause());
  if (cause.rfind("SUSPEND_CAUSE_", 0) == 0) cause = cause.substr(14);
  std::string reason = absl::StrCat("worker ", worker_id, " (rank ", rank, ") suspended: ", cause);
  if (!m.message().empty()) absl::StrAppend(&reason, ": ", m.message());
  return reason;
}

}  // namespace

void Coordinator::Impl::TriggerRegroup(Change& ch, TrialRuntime& t, const std::string& reason,
                                       bool charged, absl::Time now, bool growth) {
  TouchTrial(ch, t);
  if (!Regrouping(t)) {
    t.regroup = RegroupState{};
    t.regroup.generation = t.trial.generation();
    t.regroup.triggered_at = now;
    t.regroup.reason = reason;
    t.regroup.last_step = t.last_step;
    spdlog::warn("coordinator: trial {} generation {} breaks up: {}", t.trial.id(),
                 t.trial.generation(), reason);
  }
  t.regroup.charged = t.regroup.charged || charged;
  t.regroup.growth_only = t.regroup.growth_only && growth;
}

void Coordinator::Impl::HalveLr(v1::Trial& trial) {
  trial.set_lr_scale((trial.lr_scale() > 0 ? trial.lr_scale() : 1.0) / 2);
}

std::vector<WorkerRuntime*> Coordinator::Impl::IdleWorkers(absl::Time now) {
  std::vector<WorkerRuntime*> idle;
  for (auto& [id, w] : workers) {
    if (w.worker.state() == v1::WORKER_STATE_IDLE && w.sink != nullptr && !w.bound() &&
        !host_cooldown.CoolingDown(w.worker.info().hostname(), now)) {
      idle.push_back(&w);
    }
  }
  std::sort(idle.begin(), idle.end(), [](const WorkerRuntime* a, const WorkerRuntime* b) {
    return std::tie(a->worker.info().hostname(), a->worker.id()) <
           std::tie(b->worker.info().hostname(), b->worker.id());
  });
  return idle;
}

bool Coordinator::Impl::AnyPlaceablePending() {
  std::set<std::string> holding;  // trials that still have a worker bound
  for (const auto& [id, w] : workers) {
    if (w.bound()) holding.insert(w.worker.trial_id());
  }
  for (const auto& [id, s] : scans) {
    if (!s->live() || s->scan.state() != v1::SCAN_STATE_RUNNING) continue;
    int live = 0;
    bool pending = false;
    for (const std::string& tid : s->trial_ids) {
      const TrialRuntime* t = FindTrial(tid);
      if (t == nullptr) continue;
      if (t->trial.state() == v1::TRIAL_STATE_RUNNING || holding.count(tid)) {
        ++live;
      } else if (t->trial.state() == v1::TRIAL_STATE_PENDING) {
        pending = true;
      }
    }
    if (pending && live < s->spec->resources.max_concurrent_trials) return true;
  }
  return false;
}

void Coordinator::Impl::NoteHostFailure(Change& ch, const WorkerRuntime& w, absl::Time now) {
  ch.after_commit.push_back([this, host = w.worker.info().hostname(), id = w.worker.id(), now] {
    if (host_cooldown.NoteFailure(host, now)) {
      spdlog::warn("coordinator: host {} cooled down for {} ({} failures within {}, last: {})",
                   host, absl::FormatDuration(kHostCooldown), kHostFailuresToCool,
                   absl::FormatDuration(kHostFailureWindow), id);
    }
  });
}

absl::Status Coordinator::Impl::OnSuspended(WorkerRuntime& w, const v1::GroupSuspended& m,
                                            absl::Time now) {
  TrialRuntime* t = FindTrial(m.trial_id());
  if (t == nullptr || !IsCurrentMember(w) || m.generation() != w.worker.generation()) {
    spdlog::info("coordinator: worker {} suspended trial {} generation {}: stale, ignored",
                 w.worker.id(), m.trial_id(), m.generation());
    return absl::OkStatus();
  }
  return Commit(
      [&](Change& ch) {
        TouchWorker(ch, w);
        w.worker.set_suspended_generation(m.generation());
        w.worker.set_suspend_cause(m.cause());
        w.committed_step = m.committed_step();
        TriggerRegroup(ch, *t, SuspendReason(w.worker.id(), w.worker.rank(), m), Charged(m.cause()),
                       now, m.cause() == v1::SUSPEND_CAUSE_REGROUP);
        RegroupState& r = t->regroup;
        r.last_step = std::max({r.last_step, m.step(), m.committed_step()});
        if (m.cause() == v1::SUSPEND_CAUSE_UNHEALTHY) r.unhealthy = true;
        return absl::OkStatus();
      },
      now);
}

absl::Status Coordinator::Impl::OnDeregister(WorkerRuntime& w, const v1::Deregister& m,
                                             absl::Time now) {
  return Commit(
      [&](Change& ch) {
        TouchWorker(ch, w);
        const std::string why = m.reason().empty() ? std::string("drained") : m.reason();
        if (IsCurrentMember(w)) {
          TrialRuntime& t = *FindTrial(w.worker.trial_id());
          TriggerRegroup(
              ch, t,
              absl::StrCat("worker ", w.worker.id(), " (rank ", w.worker.rank(), ") left: ", why),
              /*charged=*/false, now);
          t.regroup.deregistered.insert(w.worker.id());
        }
        if (w.bound()) Release(ch, w);
        w.worker.set_state(v1::WORKER_STATE_GONE);
        w.lost_since = now;
        if (w.sink != nullptr) {
          ch.after_commit.push_back([sink = w.sink] { sink->Close(absl::OkStatus()); });
          w.sink.reset();
        }
        spdlog::info("coordinator: worker {} deregistered ({})", w.worker.id(), why);
        return absl::OkStatus();
      },
      now);
}

absl::Status Coordinator::Impl::OnStarted(WorkerRuntime& w, const v1::GroupStarted& m,
                                          absl::Time now) {
  TrialRuntime* t = FindTrial(m.trial_id());
  if (t == nullptr || !IsCurrentMember(w) || w.worker.rank() != 0 ||
      m.generation() != t->trial.generation() || t->trial.generations().empty()) {
    spdlog::info("coordinator: worker {} started trial {} generation {}: stale, ignored",
                 w.worker.id(), m.trial_id(), m.generation());
    return absl::OkStatus();
  }
  return Commit(
      [&](Change& ch) {
        TouchTrial(ch, *t);
        v1::GroupGeneration& g = *t->trial.mutable_generations()->rbegin();
        if (g.has_failed_at()) {  // rank 0 may hold a newer commit than the coordinator knew
          const int64_t last = g.start_step() + g.steps_lost();
          g.set_steps_lost(std::max<int64_t>(0, last - m.start_step()));
        }
        g.set_start_step(m.start_step());
        *g.mutable_resumed_at() = TimeToProto(now);
        t->trial.set_steps_completed(m.start_step());
        t->last_step = m.start_step();
        t->last_progress = now;
        v1::Provenance* p = t->trial.mutable_provenance();
        const uint64_t seed = p->trial_seed();
        p->MergeFrom(m.provenance());
        p->set_trial_seed(seed);
        const absl::Duration gloo = absl::Milliseconds(m.provenance().gloo_timeout_ms());
        if (gloo >= options.regroup_timeout) {  // survivors would be left out before suspending
          spdlog::warn(
              "coordinator: trial {}: the workers' Gloo timeout {} is not shorter than "
              "--regroup-timeout {}; members of a broken group may be stopped before they suspend",
              t->trial.id(), absl::FormatDuration(gloo),
              absl::FormatDuration(options.regroup_timeout));
        }
        spdlog::info(
            "coordinator: trial {} generation {} training from step {}{}", t->trial.id(),
            g.generation(), m.start_step(),
            g.has_failed_at()
                ? absl::StrCat(", ", absl::FormatDuration(now - TimeFromProto(g.failed_at())),
                               " after the failure")
                : std::string());
        return absl::OkStatus();
      },
      now);
}

namespace {

// A rank's own work per step: its step time minus the time it waited in allreduce. In
// synchronous data parallelism every rank's step time is the same (the fast ranks wait for the
// slow one inside the allreduce), so only the work shows who is slow.
double WorkSeconds(const v1::RankTiming& t) {
  return std::max(0.0, static_cast<double>(t.step_seconds_mean()) -
                           static_cast<double>(t.allreduce_wait_seconds_mean()));
}

}  // namespace

void Coordinator::Impl::OnTiming(WorkerRuntime& w, const v1::RankTiming& timing) {
  w.timing = timing;
  w.timing_generation = w.worker.generation();
  const TrialRuntime* t = FindTrial(w.worker.trial_id());
  if (t == nullptr || t->trial.world_size() < 2) return;
  std::vector<double> others;
  for (const std::string& id : t->trial.worker_ids()) {
    auto it = workers.find(id);
    if (id == w.worker.id() || it == workers.end()) continue;
    const WorkerRuntime& o = it->second;
    if (o.worker.trial_id() == w.worker.trial_id() && o.timing_generation == w.timing_generation &&
        o.timing.steps() > 0) {
      others.push_back(WorkSeconds(o.timing));
    }
  }
  if (!w.straggler.Observe(WorkSeconds(timing), std::move(others))) return;
  if (w.straggler.flagged()) {
    spdlog::warn(
        "coordinator: worker {} (rank {} of trial {}) is a straggler: {:.3f} s of work per step, "
        "> {}x its group's median for {} heartbeats",
        w.worker.id(), w.worker.rank(), w.worker.trial_id(), WorkSeconds(timing), kStragglerFactor,
        kStragglerStreak);
  } else {
    spdlog::info("coordinator: worker {} is no longer a straggler", w.worker.id());
  }
}

void Coordinator::Impl::RecoverRegroups(absl::Time now) {
  for (auto& [id, w] : workers) {
    w.committed_step = w.worker.committed_step();
    const int g = w.worker.suspended_generation();
    TrialRuntime* t = g > 0 ? FindTrial(w.worker.trial_id()) : nullptr;
    if (t == nullptr || t->trial.state() != v1::TRIAL_STATE_RUNNING || t->trial.generation() != g ||
        w.worker.generation() != g) {
      continue;
    }
    RegroupState& r = t->regroup;
    if (!Regrouping(*t)) {
      r = RegroupState{};
      r.generation = g;
      r.triggered_at = now;
      r.reason = absl::StrCat("worker ", id, " (rank ", w.worker.rank(),
                              ") suspended before a coordinator restart");
      r.last_step = t->last_step;
      spdlog::info("coordinator: trial {} generation {} was regrouping; waiting for its members",
                   t->trial.id(), g);
    }
    r.charged = r.charged || Charged(w.worker.suspend_cause());
    r.unhealthy = r.unhealthy || w.worker.suspend_cause() == v1::SUSPEND_CAUSE_UNHEALTHY;
    r.growth_only = r.growth_only && w.worker.suspend_cause() == v1::SUSPEND_CAUSE_REGROUP;
    r.last_step = std::max(r.last_step, w.committed_step);
  }
}

}  // namespace cascade::coordinator
