// TrialRunner: trains the worker's assignments, one at a time, on its own thread, so the session
// keeps heartbeating while a step runs. For each assignment: resolve the data (files or a
// simulate block), build the group (world 1: local; else Gloo through the coordinator's
// rendezvous store under the assignment's prefix), run TrainingLoop, and report through the
// Outbox — rank 0: step metrics (aggregated over ~1 s), validation and checkpoint notices; every
// rank: TrialFinished or a FailureReport. Then idle again.
//
// Stop (StopTrial) ends the trial after the current step; in a group the ranks agree on the stop
// step with a two-float allreduce [stop, abort] after every step. Abort drops the trial without a
// report (the coordinator took it away); the other ranks of its group then leave at the same step
// and report PEER_LOST. A new assignment replaces the current one (aborted) unless it is the
// same trial, generation and rank (a re-sent assignment after re-attach), which is ignored.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cascade/v1/worker_service.pb.h"
#include "worker/agent/agent_options.h"
#include "worker/agent/outbox.h"

namespace grpc {
class Channel;
}

namespace cascade::worker {

class TrialRunner {
 public:
  // `channel` reaches the coordinator (rendezvous); `worker_id` is read when a group forms;
  // `on_idle` runs on the runner thread whenever it has nothing left to train.
  TrialRunner(const AgentOptions& options, Outbox& outbox, std::shared_ptr<grpc::Channel> channel,
              std::function<std::string()> worker_id, std::function<void()> on_idle);
  ~TrialRunner();  // aborts the current trial and joins

  void Start(v1::Assignment assignment);
  void Stop(const v1::StopTrial& stop);
  void Abort();

  // The assignment being trained (or queued), for re-attach.
  std::optional<v1::Assignment> current() const;
  bool busy() const;
  // Trial, generation, rank, last step and the timing means since the previous call.
  v1::Heartbeat TakeHeartbeat();

 private:
  void Loop();
  void Train(const v1::Assignment& assignment);
  void RecordStep(int64_t step, double step_seconds, double allreduce_seconds);

  const AgentOptions& options_;
  Outbox& outbox_;
  std::shared_ptr<grpc::Channel> channel_;
  std::function<std::string()> worker_id_;
  std::function<void()> on_idle_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<v1::Assignment> pending_, current_;
  bool shutdown_ = false;
  bool stop_checkpoint_ = false;
  std::atomic<bool> stop_{false}, abort_{false};
  int64_t step_ = 0;  // last completed step of current_
  double step_seconds_ = 0, allreduce_seconds_ = 0;
  int32_t timed_steps_ = 0;
  std::thread thread_;  // last: started when everything above exists
};

}  // namespace cascade::worker
