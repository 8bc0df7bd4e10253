// TrialRunner: trains the worker's assignments, one at a time, on its own thread, so the session
// keeps heartbeating while a step runs. For each assignment: resolve the data (files or a
// simulate block), build the group (world 1: local; else Gloo through the coordinator's
// rendezvous store under the assignment's prefix), run TrainingLoop, and report through the
// Outbox — rank 0: step metrics (aggregated over ~1 s), validation and checkpoint notices and
// GroupStarted (start step, provenance); every rank: TrialFinished, GroupSuspended or a
// FailureReport. Then idle (or suspended) again.
//
// Elastic groups (docs/reliability.md): every `commit_every_steps` steps the loop hands over an
// in-memory commit of the whole training state; the runner keeps the newest. After every step
// the ranks agree with one five-float allreduce on [stop, abort, leave, regroup, unhealthy]:
// - abort: a rank's assignment was replaced; the others see a peer leave (PEER_FAILED below).
// - unhealthy: rank 0's GanHealthGuard saw a collapse; everyone leaves without committing and
//   suspends at the last good commit (cause UNHEALTHY).
// - stop: StopTrial; finish (and checkpoint if asked), TrialFinished.
// - leave (a member drains) / regroup (Regroup command): everyone commits at this step and
//   leaves; rank 0 also writes a disk checkpoint when someone leaves; the leaver ends its trial
//   (the agent then deregisters), the others suspend (PEER_LEFT / REGROUP).
// A collective failure (peer died, hung past the group timeout, partitioned) suspends at the last
// commit (PEER_FAILED); a non-finite loss at the last commit (UNHEALTHY). A suspended runner
// keeps its commit and heartbeats the trial until the coordinator's next assignment: the same
// trial at a higher generation with in_place_step > 0 resumes from it (rank 0 broadcasts its
// commit; joiners hold none); anything else drops it. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cascade/v1/worker_service.pb.h"
#include "common/gan/checkpoint_io.h"
#include "worker/agent/agent_options.h"
#include "worker/agent/outbox.h"

namespace grpc {
class Channel;
}

namespace cascade::worker {

class TrialRunner {
 public:
  // `channel` reaches the coordinator (rendezvous); `worker_id` is read when a group forms;
  // `on_idle` runs on the runner thread whenever it has nothing left to train (idle or
  // suspended); `cpu_isa` goes into the provenance.
  TrialRunner(const AgentOptions& options, Outbox& outbox, std::shared_ptr<grpc::Channel> channel,
              std::function<std::string()> worker_id, std::function<void()> on_idle,
              std::string cpu_isa);
  ~TrialRunner();  // aborts the current trial and joins

  void Start(v1::Assignment assignment);
  void Stop(const v1::StopTrial& stop);
  void Regroup(const v1::Regroup& regroup);
  void Abort();
  // Drain: the group commits and leaves at the next step and this worker ends its trial; a
  // suspended trial is dropped. The agent deregisters once !busy().
  void Leave();

  // The assignment being trained, queued or suspended, for re-attach.
  std::optional<v1::Assignment> current() const;
  // Training or queued; a suspended trial has nothing left to finish.
  bool busy() const;
  // After a re-attach: the coordinator may have lost the suspension (restart), so say it again.
  void ResendSuspension();
  // Trial, generation, rank, last step, commit step and the timing means since the last call.
  v1::Heartbeat TakeHeartbeat();

 private:
  // A trial this worker left the collective of, waiting for the next generation.
  struct Held {
    v1::Assignment assignment;
    std::shared_ptr<const gan::Checkpoint> commit;  // null: nothing kept (never committed)
    v1::WorkerMessage suspended;                    // the report, for ResendSuspension
  };

  void Loop();
  void Train(const v1::Assignment& assignment, std::shared_ptr<const gan::Checkpoint> commit);
  void Suspend(const v1::Assignment& a, std::shared_ptr<const gan::Checkpoint> commit,
               v1::SuspendCause cause, const std::string& message, int64_t step);
  void RecordStep(int64_t step, double step_seconds, double allreduce_seconds);
  void RecordCommit(int64_t step);

  const AgentOptions& options_;
  Outbox& outbox_;
  std::shared_ptr<grpc::Channel> channel_;
  std::function<std::string()> worker_id_;
  std::function<void()> on_idle_;
  const std::string cpu_isa_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<v1::Assignment> pending_, current_;
  std::optional<Held> held_;
  bool shutdown_ = false;
  bool stop_checkpoint_ = false;
  std::atomic<bool> stop_{false}, abort_{false}, leave_{false}, regroup_{false};
  int64_t step_ = 0;            // last completed step of current_ (or of held_)
  int64_t committed_step_ = 0;  // step of the newest commit of current_ (or of held_)
  double step_seconds_ = 0, allreduce_seconds_ = 0;
  int32_t timed_steps_ = 0;
  // Provenance hashes of the data, by trial (runner thread only): hashed once per worker.
  std::string hashed_trial_;
  std::map<std::string, std::string> hashes_;
  std::thread thread_;  // last: started when everything above exists
};

}  // namespace cascade::worker
