// Private to coordinator/core: the state behind Coordinator (one struct, methods split by role
// over coordinator_*.cc). Every mutation runs inside a Change: the first Touch of an object saves
// its old value, the store writes and the in-memory edits commit together, and on a failed
// transaction the saved values are put back, so memory never runs ahead of the database.
// Messages to workers, watch events, rendezvous cleanup and file deletions are queued in the
// Change and happen only after the commit (nothing is announced that was not stored).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cascade/v1/user_service.pb.h"
#include "cascade/v1/worker_service.pb.h"
#include "common/scan/scan_spec.h"
#include "common/scan/searcher/action.h"
#include "common/scan/searcher/search_method.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/core/group_planner.h"
#include "coordinator/core/host_cooldown.h"
#include "coordinator/core/straggler.h"

namespace cascade::coordinator {

// Step metrics are buffered and appended at most every kStepFlushPeriod or kMaxBufferedSteps.
inline constexpr size_t kMaxBufferedSteps = 256;
inline constexpr absl::Duration kStepFlushPeriod = absl::Milliseconds(500);

// A running trial whose generation broke up and is being re-formed (coordinator_regroup.cc). Who
// suspended is in the members' Worker rows (suspended_generation, committed_step), so a restarted
// coordinator rebuilds this from the store (Recover).
struct RegroupState {
  int generation = 0;  // the generation being re-formed; 0 = none (see Impl::Regrouping)
  absl::Time triggered_at;
  std::string reason;                   // the first cause seen
  bool charged = false;                 // counts against the scan's restart budget
  bool unhealthy = false;               // GAN health guard: halve the LR
  bool growth_only = true;              // only coordinator-requested REGROUP suspensions so far
  bool presume_hung = false;            // watchdog: silent members are not waited for
  int64_t last_step = 0;                // newest step the broken generation reached
  std::set<std::string> deregistered;   // members that left by Deregister (a drain)
  std::set<std::string> hosts_charged;  // lost members already counted for host cooldown
};

struct TrialRuntime {
  v1::Trial trial;
  absl::Time last_progress;  // watchdog: last time the step advanced
  int64_t last_step = 0;
  int last_reported_epoch = 0;            // last epoch given to the searcher (epochs increase)
  std::map<int, double> metric_by_epoch;  // searcher metric per validated epoch (checkpoint rank)
  std::string next_reason = "initial";    // GroupGeneration.reason of the next placement
  // GroupGeneration.failed_at/charged/steps_lost of the next placement (after a disk restart).
  absl::Time next_failed_at = absl::InfinitePast();
  bool next_charged = false;
  int64_t next_last_step = 0;
  RegroupState regroup;
  int grow_requested_generation = 0;  // a Regroup command to grow was sent to this generation
};

struct ScanRuntime {
  v1::Scan scan;
  int64_t order = 0;                   // age, for fair scheduling
  std::optional<scan::ScanSpec> spec;  // set while the scan is live
  std::unique_ptr<scan::SearchMethod> method;
  std::vector<std::string> trial_ids;  // creation order
  std::map<int64_t, std::string> by_request;
  bool shutdown = false;  // the searcher emitted Shutdown
  bool live() const { return method != nullptr; }
};

struct WorkerRuntime {
  v1::Worker worker;  // persisted; trial_id/generation/rank = the worker's binding
  std::shared_ptr<SessionSink> sink;
  absl::Time alive_until;  // silent past this -> LOST (and a group member counts as failed)
  absl::Time lost_since;
  absl::Time last_heartbeat;
  bool assignment_delivered = false;
  absl::Time stop_sent_at = absl::InfinitePast();  // StopTrial for its binding (leftovers)
  // Its session stream ended while this coordinator ran (the process died or the network
  // broke); cleared when a new session opens. Never set for workers merely recovered from the
  // store, which have had no chance to re-attach yet.
  bool stream_ended = false;
  // From heartbeats, kept in memory (written with the worker's next state change).
  int64_t committed_step = 0;
  v1::RankTiming timing;
  int timing_generation = 0;  // generation of the binding `timing` was measured in
  StragglerTracker straggler;
  bool bound() const { return !worker.trial_id().empty(); }
};

struct WatchEntry {
  std::string scan_id;
  ScanWatcher fn;
  bool step_metrics = false;
  int64_t sequence = 0;
};

// One atomic state change (see the file comment).
class Change {
 public:
  std::vector<std::function<void()>> rollback;              // run in reverse on failure
  std::vector<std::function<void()>> after_commit;          // run in order on success
  std::set<std::string> trials, scans, workers, searchers;  // touched (saved once, written at end)
};

struct Coordinator::Impl {
  Impl(Coordinator* owner, std::unique_ptr<StateStore> store, CoordinatorOptions options)
      : owner(owner), store(std::move(store)), options(std::move(options)) {}

  Coordinator* owner;
  std::unique_ptr<StateStore> store;
  CoordinatorOptions options;
  std::mutex mu;
  std::map<std::string, std::unique_ptr<ScanRuntime>> scans;
  std::map<std::string, std::unique_ptr<TrialRuntime>> trials;  // trials of live scans
  std::map<std::string, WorkerRuntime> workers;
  std::map<int64_t, WatchEntry> watches;
  int64_t next_watch_id = 1;
  int64_t next_scan_order = 0;
  std::vector<v1::MetricRecord> step_buffer;
  absl::Time last_flush = absl::InfinitePast();
  int64_t steps_total = 0;
  int64_t heartbeats_total = 0;
  HostCooldown host_cooldown;

  // --- coordinator.cc: recovery, transactions ---
  absl::Status Recover(absl::Time now);
  absl::Status LoadScan(const v1::Scan& scan);
  // Runs `body` in one store transaction; rolls memory back on failure, else runs after_commit.
  absl::Status Commit(const std::function<absl::Status(Change&)>& body, absl::Time now);
  void TouchTrial(Change& ch, TrialRuntime& t);
  void TouchScan(Change& ch, ScanRuntime& s);
  void TouchWorker(Change& ch, WorkerRuntime& w);
  void TouchSearcher(Change& ch, ScanRuntime& s);
  absl::Status WriteTouched(Change& ch, absl::Time now);
  absl::Status FlushSteps();

  // --- coordinator_trials.cc: searcher actions, placement, stop, restart ---
  absl::Status ApplyActions(Change& ch, ScanRuntime& s, std::vector<scan::Action> actions,
                            absl::Time now);
  // Ends a trial in `state` (STOPPED/CANCELED/FAILED/COMPLETED/PAUSED): StopTrial to its group
  // (checkpoint when pausing); tells the searcher when `state` is terminal and the scan is live.
  absl::Status EndTrial(Change& ch, ScanRuntime& s, TrialRuntime& t, v1::TrialState state,
                        const std::string& message, absl::Time now);
  // The group failed: back to PENDING from the latest checkpoint, or FAILED beyond max_restarts.
  // `charged` = false (a drain) neither checks nor uses the budget.
  absl::Status RestartOrFail(Change& ch, ScanRuntime& s, TrialRuntime& t, const std::string& reason,
                             absl::Time now, bool charged = true);
  void MaybeFinishScan(Change& ch, ScanRuntime& s, absl::Time now);
  absl::Status Schedule(absl::Time now);
  v1::Assignment BuildAssignment(const ScanRuntime& s, const TrialRuntime& t, int rank) const;
  // Ends the stale generation's rendezvous namespace and tells the workers still training it.
  void StopGroup(Change& ch, TrialRuntime& t, bool checkpoint, const std::string& reason,
                 absl::Time now);
  void Release(Change& ch, WorkerRuntime& w);  // unbinds; IDLE when connected
  // Makes `w` rank `rank` of `t`'s current generation (BUSY) and sends the assignment after commit.
  void Bind(Change& ch, WorkerRuntime& w, const TrialRuntime& t, int rank);
  std::vector<WorkerRuntime*> BoundTo(const std::string& trial_id, int generation);
  bool AnyBoundTo(const std::string& trial_id);
  int ScanRestarts(const ScanRuntime& s) const;
  // Why one more charged restart of `t` is not allowed (the scan's max_restarts or the spec's
  // max_restarts_per_trial is used up), or "" when it is.
  std::string RestartBudgetExhausted(const ScanRuntime& s, const TrialRuntime& t) const;
  TrialRuntime* FindTrial(const std::string& id);
  ScanRuntime* ScanOf(const TrialRuntime& t);

  // --- coordinator_regroup.cc: elastic groups ---
  bool Regrouping(const TrialRuntime& t) const;
  // Starts (or adds a cause to) the re-forming of `t`'s current generation.
  // `growth`: a coordinator-requested REGROUP (joiners up to max_workers, not charged).
  void TriggerRegroup(Change& ch, TrialRuntime& t, const std::string& reason, bool charged,
                      absl::Time now, bool growth = false);
  absl::Status OnSuspended(WorkerRuntime& w, const v1::GroupSuspended& m, absl::Time now);
  absl::Status OnDeregister(WorkerRuntime& w, const v1::Deregister& m, absl::Time now);
  absl::Status OnStarted(WorkerRuntime& w, const v1::GroupStarted& m, absl::Time now);
  void OnTiming(WorkerRuntime& w, const v1::RankTiming& timing);
  // Tick: decides every regrouping trial that is ready (before Schedule), then asks running
  // groups below max_workers to grow when idle workers are left (after Schedule).
  void DecideRegroups(absl::Time now);
  absl::Status ApplyInPlace(Change& ch, ScanRuntime& s, TrialRuntime& t, const RegroupPlan& plan,
                            absl::Time now);
  absl::Status RegroupFromDisk(Change& ch, ScanRuntime& s, TrialRuntime& t, const RegroupPlan& plan,
                               absl::Time now);
  void GrowGroups(absl::Time now);
  // Idle, connected, unbound workers outside host cooldown, by (hostname, id).
  std::vector<WorkerRuntime*> IdleWorkers(absl::Time now);
  bool AnyPlaceablePending();
  void NoteHostFailure(Change& ch, const WorkerRuntime& w, absl::Time now);
  void RecoverRegroups(absl::Time now);
  static void HalveLr(v1::Trial& trial);

  // --- coordinator_workers.cc: worker messages ---
  absl::Status OnValidation(WorkerRuntime& w, const v1::TrialValidation& v, absl::Time now);
  absl::Status OnCheckpoint(WorkerRuntime& w, const v1::CheckpointNotice& c, absl::Time now);
  absl::Status OnFailure(WorkerRuntime& w, const v1::FailureReport& f, absl::Time now);
  absl::Status OnFinished(WorkerRuntime& w, const v1::TrialFinished& f, absl::Time now);
  void OnStepMetrics(WorkerRuntime& w, const v1::TrialStepMetrics& m, absl::Time now);
  void NoteProgress(TrialRuntime& t, int64_t step, absl::Time now);
  bool IsCurrentMember(const WorkerRuntime& w) const;
  void SendAssignmentIfDue(WorkerRuntime& w);
  void CheckWorkers(absl::Time now);
  void CheckTrials(absl::Time now);

  // --- coordinator_watch.cc ---
  void Emit(const std::string& scan_id, const v1::ScanEvent& event, bool step_metric);
  void QueueScanEvent(Change& ch, const v1::Scan& scan);
  void QueueTrialEvent(Change& ch, const v1::Trial& trial);
  v1::Scan ScanWithCounts(const ScanRuntime& s) const;
};

std::string RendezvousPrefixOf(const std::string& trial_id, int generation);
bool IsTerminal(v1::TrialState state);
bool IsTerminal(v1::ScanState state);

}  // namespace cascade::coordinator
