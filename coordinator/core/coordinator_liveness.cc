// Coordinator: the liveness checks Tick runs — heartbeat timeout -> LOST -> GONE, stopped workers
// that never report back, group failures and the progress watchdog.
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator_impl.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {

void Coordinator::Impl::CheckWorkers(absl::Time now) {
  std::vector<WorkerRuntime*> to_lose, to_gone, stuck;
  for (auto& [id, w] : workers) {
    const v1::WorkerState st = w.worker.state();
    // Told to stop (restart, pause, searcher stop) but never reported back: stop waiting for it,
    // so the trial it blocks can be placed again.
    if (w.bound() && !IsCurrentMember(w) && now - w.stop_sent_at > options.progress_timeout) {
      stuck.push_back(&w);
    }
    if ((st == v1::WORKER_STATE_IDLE || st == v1::WORKER_STATE_BUSY ||
         st == v1::WORKER_STATE_DRAINING) &&
        now > w.alive_until) {
      to_lose.push_back(&w);
    } else if (st == v1::WORKER_STATE_LOST && now - w.lost_since >= options.reattach_grace) {
      to_gone.push_back(&w);
    }
  }
  if (to_lose.empty() && to_gone.empty() && stuck.empty()) return;
  absl::Status st = Commit(
      [&](Change& ch) {
        for (WorkerRuntime* w : stuck) {
          spdlog::warn("coordinator: worker {} never finished stopped trial {}; released",
                       w->worker.id(), w->worker.trial_id());
          Release(ch, *w);
        }
        for (WorkerRuntime* w : to_lose) {
          TouchWorker(ch, *w);
          w->worker.set_state(v1::WORKER_STATE_LOST);
          w->lost_since = now;
          spdlog::warn("coordinator: worker {} lost (no heartbeat since {})", w->worker.id(),
                       absl::FormatTime(w->last_heartbeat));
        }
        for (WorkerRuntime* w : to_gone) {
          TouchWorker(ch, *w);
          // A current member keeps its binding so CheckTrials sees the failure and restarts.
          if (w->bound() && !IsCurrentMember(*w)) Release(ch, *w);
          w->worker.set_state(v1::WORKER_STATE_GONE);
          if (w->sink != nullptr) {
            ch.after_commit.push_back([sink = w->sink] {
              sink->Close(absl::UnavailableError("re-attach grace expired: register again"));
            });
            w->sink.reset();
          }
          spdlog::warn("coordinator: worker {} gone (grace expired)", w->worker.id());
        }
        return absl::OkStatus();
      },
      now);
  if (!st.ok()) spdlog::error("coordinator: worker liveness update failed: {}", st.ToString());
}

void Coordinator::Impl::CheckTrials(absl::Time now) {
  std::vector<std::tuple<TrialRuntime*, std::string, bool>> failed;  // trial, reason, watchdog
  for (auto& [id, t] : trials) {
    // A regrouping trial is judged by DecideRegroups (members accounted for, regroup_timeout).
    if (t->trial.state() != v1::TRIAL_STATE_RUNNING || Regrouping(*t)) continue;
    std::string reason;
    for (int rank = 0; rank < t->trial.worker_ids_size() && reason.empty(); ++rank) {
      const std::string& wid = t->trial.worker_ids(rank);
      auto it = workers.find(wid);
      if (it == workers.end()) {
        reason = absl::StrCat("worker ", wid, " (rank ", rank, ") is unknown");
        continue;
      }
      const WorkerRuntime& w = it->second;
      // Unbound members finished their rank (see OnFinished); the others must be alive.
      if (w.worker.trial_id() != id || w.worker.generation() != t->trial.generation()) continue;
      if (w.worker.state() == v1::WORKER_STATE_GONE) {
        reason =
            absl::StrCat("worker ", wid, " (rank ", rank, ") is gone (re-attach grace expired)");
      } else if (w.worker.state() == v1::WORKER_STATE_LOST && now > w.alive_until) {
        reason = absl::StrCat("worker ", wid, " (rank ", rank, ") lost heartbeats");
      }
    }
    bool watchdog = false;
    if (reason.empty() && now - t->last_progress > options.progress_timeout) {
      reason =
          absl::StrCat("no training progress for ", absl::FormatDuration(now - t->last_progress),
                       " (watchdog, step ", t->last_step, ")");
      watchdog = true;
    }
    if (!reason.empty()) failed.emplace_back(t.get(), reason, watchdog);
  }
  if (failed.empty()) return;
  // Each failure breaks the generation up; DecideRegroups (same Tick) waits for the survivors'
  // GroupSuspended. A group the watchdog caught is presumed hung: nobody is waited for.
  absl::Status st = Commit(
      [&](Change& ch) {
        for (auto& [t, reason, watchdog] : failed) {
          TriggerRegroup(ch, *t, reason, /*charged=*/true, now);
          t->regroup.presume_hung = t->regroup.presume_hung || watchdog;
        }
        return absl::OkStatus();
      },
      now);
  if (!st.ok()) spdlog::error("coordinator: restarting failed groups: {}", st.ToString());
}

}  // namespace cascade::coordinator
