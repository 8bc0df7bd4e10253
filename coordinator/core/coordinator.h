// Coordinator: the service's brain, without the network. Owns the in-memory view of scans, trials
// and workers, persists every change through StateStore *before* acknowledging it (a caller that
// got OK will find it after a SIGKILL + restart), runs each scan's search method, places trials on
// idle workers (TrialScheduler), watches heartbeats and step progress, and re-forms a group that
// loses, gains or sheds a member: in place from the survivors' in-memory commit when they
// suspended with one (GroupPlanner), else from the trial's last checkpoint; charged restarts come
// out of the scan's max_restarts.
//
// The gRPC layer (coordinator/service) is a thin adapter: it authenticates, calls one method
// here, and converts the Status. Worker sessions are pushed to through SessionSink; scan watchers
// through ScanWatcher. Time comes from the caller (Tick(now) and the `now` of each call), so unit
// tests drive it with a fake clock and never sleep.
//
// Thread-safe (one mutex). Sinks and watchers may be called while it is held, from any handler
// or Tick thread: they must queue and return, never call back into the Coordinator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cascade/v1/user_service.pb.h"
#include "cascade/v1/worker_service.pb.h"
#include "common/rpc/role.h"
#include "coordinator/state/state_store.h"

namespace cascade::coordinator {

struct CoordinatorOptions {
  absl::Duration heartbeat_interval = absl::Seconds(1);  // told to workers at Register
  absl::Duration heartbeat_timeout = absl::Seconds(10);  // silent this long -> worker LOST
  // LOST this long -> GONE; also the re-attach window after a coordinator restart.
  absl::Duration reattach_grace = absl::Seconds(30);
  // A RUNNING trial without a new step this long has failed (progress watchdog).
  absl::Duration progress_timeout = absl::Minutes(10);
  // A regrouping trial waits this long from the trigger for silent members to suspend, and for
  // enough workers to reach min_workers; then it restarts from its last disk checkpoint.
  absl::Duration regroup_timeout = absl::Seconds(120);
  std::string checkpoint_root;  // resolves a relative spec `checkpoint.dir` ("" = as written)
};

// Where a worker's session messages go (the gRPC stream's writer). Send may be called from any
// thread; it must not block on the network for long (queue and return).
class SessionSink {
 public:
  virtual ~SessionSink() = default;
  virtual void Send(const v1::CoordinatorMessage& message) = 0;
  // Ends the session (e.g. the worker was declared GONE, or drained).
  virtual void Close(const absl::Status& status) = 0;
};

// A WatchScan stream: receives events with increasing sequence numbers; returns false to
// unsubscribe (client left).
using ScanWatcher = std::function<bool(const v1::ScanEvent& event)>;

// Gauges and counters for the Prometheus endpoint.
struct CoordinatorStats {
  std::map<std::string, int64_t> workers_by_state;  // "idle", "busy", ...
  std::map<std::string, int64_t> trials_by_state;   // "pending", "running", ...
  int64_t steps_total = 0;                          // step metrics received
  int64_t heartbeats_total = 0;
};

class Coordinator {
 public:
  // Loads every scan/trial/worker from `store` and resumes: searchers restored from their
  // snapshots, RUNNING trials keep their groups for `reattach_grace` from `now`.
  static absl::StatusOr<std::unique_ptr<Coordinator>> Create(std::unique_ptr<StateStore> store,
                                                             CoordinatorOptions options,
                                                             absl::Time now);
  ~Coordinator();

  // --- user API (one method per RPC of UserService) ---
  absl::StatusOr<v1::SubmitScanResponse> SubmitScan(const rpc::Principal& caller,
                                                    const v1::SubmitScanRequest& request,
                                                    absl::Time now);
  absl::StatusOr<v1::ListScansResponse> ListScans(const v1::ListScansRequest& request);
  absl::StatusOr<v1::GetScanResponse> GetScan(const v1::GetScanRequest& request);
  absl::StatusOr<v1::CancelScanResponse> CancelScan(const v1::CancelScanRequest& request,
                                                    absl::Time now);
  absl::StatusOr<v1::PauseScanResponse> PauseScan(const v1::PauseScanRequest& request,
                                                  absl::Time now);
  absl::StatusOr<v1::ResumeScanResponse> ResumeScan(const v1::ResumeScanRequest& request,
                                                    absl::Time now);
  absl::StatusOr<v1::ListWorkersResponse> ListWorkers(const v1::ListWorkersRequest& request);
  absl::StatusOr<v1::GetTrialResponse> GetTrial(const v1::GetTrialRequest& request);
  absl::StatusOr<v1::ListMetricsResponse> ListMetrics(const v1::ListMetricsRequest& request);
  // Sends the scan snapshot as the first event, then every change, until `watcher` returns false,
  // the scan ends (after its final event) or Unwatch. NotFound for an unknown scan.
  absl::StatusOr<int64_t> Watch(const v1::WatchScanRequest& request, ScanWatcher watcher);
  void Unwatch(int64_t watch_id);

  // --- worker API ---
  absl::StatusOr<v1::RegisterResponse> Register(const rpc::Principal& caller,
                                                const v1::RegisterRequest& request, absl::Time now);
  // After `hello`: attaches the stream; sends `welcome` and any assignment the worker should run.
  // FailedPrecondition for an unknown worker id (the worker must Register again).
  absl::Status OpenSession(const std::string& worker_id, std::shared_ptr<SessionSink> sink,
                           absl::Time now);
  // Every later message of the stream (heartbeat, metrics, validation, checkpoint, failure,
  // finished). InvalidArgument for a message that names another worker's trial.
  absl::Status HandleWorkerMessage(const std::string& worker_id, const v1::WorkerMessage& message,
                                   absl::Time now);
  // The stream ended (client gone or network error): the worker is LOST until it re-attaches.
  void CloseSession(const std::string& worker_id, absl::Time now);
  // Same, but only if `sink` is still the worker's session: a stream that ends after the worker
  // re-registered and opened a new one must not mark it LOST. (Added by the implementation.)
  void CloseSession(const std::string& worker_id, const SessionSink* sink, absl::Time now);

  // The rendezvous prefix ("trial/<id>/gen/<g>") of the worker's current assignment, if any:
  // the rendezvous service only lets a worker touch keys under it.
  std::optional<std::string> RendezvousPrefix(const std::string& worker_id);
  // Called when a generation ends, so the rendezvous store can drop its keys.
  std::function<void(const std::string& prefix)> on_generation_ended;

  // Timeouts (heartbeats, grace windows, progress watchdog) and scheduling. The server calls it
  // every ~100 ms; tests call it with a fake clock.
  void Tick(absl::Time now);

  CoordinatorStats Stats();

 private:
  struct Impl;
  explicit Coordinator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cascade::coordinator
