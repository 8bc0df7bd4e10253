// Coordinator: what a trial's workers report — step metrics (buffered), validations (feed the
// searcher), checkpoints (recorded, then garbage-collected), failures and the end of training.
// Everything but step metrics is stored before HandleWorkerMessage returns.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/checkpoint_gc.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/spec_mapping.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {

void Coordinator::Impl::OnStepMetrics(WorkerRuntime& w, const v1::TrialStepMetrics& m,
                                      absl::Time now) {
  if (m.trial_id() != w.worker.trial_id() || !IsCurrentMember(w)) return;  // late or stale
  TrialRuntime& t = *FindTrial(m.trial_id());
  NoteProgress(t, m.metrics().step(), now);
  ++steps_total;
  v1::MetricRecord record;
  record.set_trial_id(m.trial_id());
  *record.mutable_time() = TimeToProto(now);
  *record.mutable_step() = m.metrics();
  step_buffer.push_back(record);
  v1::ScanEvent event;
  *event.mutable_metric() = record;
  Emit(t.trial.scan_id(), event, /*step_metric=*/true);
  if (step_buffer.size() >= kMaxBufferedSteps) {
    absl::Status st = FlushSteps();
    if (!st.ok()) spdlog::error("coordinator: step metrics flush failed: {}", st.ToString());
    last_flush = now;
  }
}

absl::Status Coordinator::Impl::OnValidation(WorkerRuntime& w, const v1::TrialValidation& v,
                                             absl::Time now) {
  TrialRuntime* t = FindTrial(v.trial_id());
  if (t == nullptr) return absl::OkStatus();
  ScanRuntime& s = *ScanOf(*t);
  // The group training the trial now, or the one finishing a pause (its last validation before
  // the pause checkpoint still counts for the searcher's rungs).
  const bool current = v.generation() == w.worker.generation() &&
                       w.worker.generation() == t->trial.generation() &&
                       (IsCurrentMember(w) || t->trial.state() == v1::TRIAL_STATE_PAUSED);
  v1::MetricRecord record;
  record.set_trial_id(v.trial_id());
  *record.mutable_time() = TimeToProto(now);
  *record.mutable_validation() = v.metrics();
  const int epoch = v.metrics().epoch();
  const std::optional<double> metric = ValidationMetric(v.metrics(), s.scan.metric());
  if (!metric.has_value()) {
    spdlog::warn("coordinator: validation of trial {} epoch {} has no metric '{}'", t->trial.id(),
                 epoch, s.scan.metric());
  }
  const bool smaller = s.scan.smaller_is_better();
  CASCADE_RETURN_IF_ERROR(Commit(
      [&](Change& ch) {
        // Step metrics first, so the stored order is the order the worker reported.
        std::vector<v1::MetricRecord> records = std::move(step_buffer);
        step_buffer.clear();
        ch.rollback.push_back([this, records] {
          step_buffer.insert(step_buffer.begin(), records.begin(), records.end());
        });
        records.push_back(record);
        CASCADE_RETURN_IF_ERROR(store->AppendMetrics(records));
        TouchTrial(ch, *t);
        t->trial.set_epochs_completed(std::max(t->trial.epochs_completed(), epoch));
        if (metric.has_value()) {
          t->metric_by_epoch[epoch] = *metric;
          if (!t->trial.has_best_metric() ||
              MetricBetter(*metric, t->trial.best_metric(), smaller)) {
            if (std::isfinite(*metric)) {
              t->trial.set_has_best_metric(true);
              t->trial.set_best_metric(*metric);
            }
          }
          if (t->trial.has_best_metric() &&
              (s.scan.best_trial_id().empty() ||
               MetricBetter(t->trial.best_metric(), s.scan.best_metric(), smaller))) {
            s.scan.set_best_trial_id(t->trial.id());
            s.scan.set_best_metric(t->trial.best_metric());
          }
          // A checkpoint of this epoch written before the validation arrived now gets its rank.
          CASCADE_ASSIGN_OR_RETURN(auto checkpoints, store->ListCheckpoints(t->trial.id()));
          for (v1::Checkpoint c : checkpoints) {
            if (c.epoch() != epoch || c.has_metric()) continue;
            c.set_has_metric(true);
            c.set_metric(*metric);
            CASCADE_RETURN_IF_ERROR(store->UpdateCheckpoint(c));
            if (t->trial.latest_checkpoint().id() == c.id())
              *t->trial.mutable_latest_checkpoint() = c;
          }
        }
        if (current && metric.has_value() && epoch > t->last_reported_epoch && s.live() &&
            !IsTerminal(s.scan.state())) {
          t->last_reported_epoch = epoch;
          TouchSearcher(ch, s);
          CASCADE_ASSIGN_OR_RETURN(
              auto actions, s.method->ValidationCompleted(t->trial.request_id(), epoch, *metric));
          CASCADE_RETURN_IF_ERROR(ApplyActions(ch, s, std::move(actions), now));
        }
        ch.after_commit.push_back([this, scan_id = s.scan.id(), record] {
          v1::ScanEvent event;
          *event.mutable_metric() = record;
          Emit(scan_id, event, /*step_metric=*/false);
        });
        return absl::OkStatus();
      },
      now));
  return absl::OkStatus();
}

absl::Status Coordinator::Impl::OnCheckpoint(WorkerRuntime& w, const v1::CheckpointNotice& c,
                                             absl::Time now) {
  TrialRuntime* t = FindTrial(c.trial_id());
  if (t == nullptr) return absl::OkStatus();
  ScanRuntime& s = *ScanOf(*t);
  if (c.path().empty()) return absl::InvalidArgumentError("checkpoint notice without a path");
  return Commit(
      [&](Change& ch) {
        v1::Checkpoint record;
        record.set_trial_id(c.trial_id());
        record.set_path(c.path());
        record.set_epoch(c.epoch());
        record.set_step(c.step());
        *record.mutable_created_at() = TimeToProto(now);
        auto metric = t->metric_by_epoch.find(c.epoch());
        if (metric != t->metric_by_epoch.end()) {
          record.set_has_metric(true);
          record.set_metric(metric->second);
        }
        CASCADE_ASSIGN_OR_RETURN(v1::Checkpoint stored, store->InsertCheckpoint(record));
        TouchTrial(ch, *t);
        const v1::Checkpoint& latest = t->trial.latest_checkpoint();
        if (latest.path().empty() || stored.step() >= latest.step()) {
          *t->trial.mutable_latest_checkpoint() = stored;
        }
        if (!s.spec.has_value()) return absl::OkStatus();
        CASCADE_ASSIGN_OR_RETURN(auto all, store->ListCheckpoints(t->trial.id()));
        const std::string dir =
            TrialCheckpointDir(*s.spec, options.checkpoint_root, s.scan.id(), t->trial.id());
        for (const std::string& id :
             CheckpointsToDelete(all, s.spec->checkpoint.keep_latest, s.spec->checkpoint.keep_best,
                                 s.scan.smaller_is_better(), t->trial.latest_checkpoint().id())) {
          CASCADE_RETURN_IF_ERROR(store->DeleteCheckpoint(id));
          auto victim = std::find_if(all.begin(), all.end(),
                                     [&](const v1::Checkpoint& x) { return x.id() == id; });
          if (!IsUnderDirectory(victim->path(), dir)) {
            spdlog::warn("coordinator: checkpoint {} ({}) is outside {}; record dropped, file kept",
                         id, victim->path(), dir);
            continue;
          }
          ch.after_commit.push_back([path = victim->path()] {
            std::error_code ec;
            if (std::filesystem::remove(path, ec)) {
              spdlog::info("coordinator: checkpoint GC removed {}", path);
            } else if (ec) {
              spdlog::warn("coordinator: checkpoint GC could not remove {}: {}", path,
                           ec.message());
            }
          });
        }
        return absl::OkStatus();
      },
      now);
}

absl::Status Coordinator::Impl::OnFailure(WorkerRuntime& w, const v1::FailureReport& f,
                                          absl::Time now) {
  TrialRuntime* t = FindTrial(f.trial_id());
  const bool current = IsCurrentMember(w) && f.generation() == w.worker.generation();
  return Commit(
      [&](Change& ch) {
        TouchWorker(ch, w);
        if (f.kind() != v1::FAILURE_KIND_PEER_LOST && f.kind() != v1::FAILURE_KIND_RENDEZVOUS) {
          w.worker.set_failures(w.worker.failures() + 1);
        }
        if (f.kind() == v1::FAILURE_KIND_DATA || f.kind() == v1::FAILURE_KIND_INTERNAL ||
            f.kind() == v1::FAILURE_KIND_CHECKPOINT) {
          NoteHostFailure(ch, w, now);  // the machine's disk, memory or mounts
        }
        Release(ch, w);
        if (!current || t == nullptr) return absl::OkStatus();
        return RestartOrFail(
            ch, *ScanOf(*t), *t,
            absl::StrCat("worker ", w.worker.id(), " (rank ", f.rank(), ") reported ",
                         v1::FailureKind_Name(f.kind()), " at step ", f.step(), ": ", f.message()),
            now);
      },
      now);
}

absl::Status Coordinator::Impl::OnFinished(WorkerRuntime& w, const v1::TrialFinished& f,
                                           absl::Time now) {
  TrialRuntime* t = FindTrial(f.trial_id());
  const bool current = IsCurrentMember(w) && f.generation() == w.worker.generation();
  return Commit(
      [&](Change& ch) {
        Release(ch, w);
        if (t == nullptr) return absl::OkStatus();
        TouchTrial(ch, *t);
        t->trial.set_epochs_completed(std::max(t->trial.epochs_completed(), f.epochs_completed()));
        t->trial.set_steps_completed(std::max(t->trial.steps_completed(), f.steps_completed()));
        if (!current) return absl::OkStatus();
        // Finished ranks are unbound; failure paths restart the trial at once, so a member no
        // longer bound to this generation has finished (this also holds after a coordinator
        // restart, which keeps no in-memory record of who finished).
        if (!BoundTo(t->trial.id(), t->trial.generation()).empty()) return absl::OkStatus();
        ScanRuntime& s = *ScanOf(*t);
        if (t->trial.epochs_completed() >= t->trial.max_epochs()) {
          return EndTrial(ch, s, *t, v1::TRIAL_STATE_COMPLETED, "", now);
        }
        return RestartOrFail(ch, s, *t,
                             absl::StrCat("group finished after ", t->trial.epochs_completed(),
                                          " of ", t->trial.max_epochs(), " epochs without a stop"),
                             now);
      },
      now);
}

}  // namespace cascade::coordinator
