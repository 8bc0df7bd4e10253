// WorkerAgent: `cascade-worker --coordinator`. Registers with the coordinator, keeps one Session
// stream open (hello first; heartbeats every heartbeat_interval_ms with the current trial, step
// and timing; step metrics, validations, checkpoint notices, failures and finished trials up;
// assignments and commands down) and hands assignments to a TrialRunner.
//
// Session loss (coordinator restart, network): training goes on; the agent reconnects with
// exponential backoff (100 ms doubling, capped at max_backoff), registers with its old worker id
// and current assignment, and aborts the local training when the coordinator answers
// keep_current=false (a suspended runner repeats its GroupSuspended report, which a restarted
// coordinator may have lost). Durable messages produced meanwhile are buffered (Outbox) and sent
// after re-attach. Drain (command or Drain(), e.g. on SIGTERM or a Slurm time limit): the group
// commits and lets this worker go at the next step (TrialRunner::Leave), the agent delivers what
// is buffered, sends Deregister, closes the session and returns from Run(). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "cascade/v1/worker_service.grpc.pb.h"
#include "worker/agent/agent_options.h"
#include "worker/agent/outbox.h"
#include "worker/agent/trial_runner.h"

namespace cascade::worker {

class WorkerAgent {
 public:
  WorkerAgent(AgentOptions options, std::shared_ptr<grpc::Channel> channel, v1::WorkerInfo info);
  ~WorkerAgent();

  // Runs until drained (OK) or the coordinator refuses the worker for good (Unauthenticated,
  // PermissionDenied, InvalidArgument at Register). Call once.
  absl::Status Run();
  // Leave the current group at its next step, then deregister and return. Safe from any thread.
  void Drain();
  std::string worker_id() const;

 private:
  using Stream = grpc::ClientReaderWriter<v1::WorkerMessage, v1::CoordinatorMessage>;

  absl::Status Register();
  // One session from hello to its end. OK only when it ended because the drain completed.
  absl::Status RunSession(bool* welcomed);
  void WriterLoop(Stream& stream, grpc::ClientContext& context, std::chrono::milliseconds interval,
                  const std::atomic<bool>& ending, std::atomic<bool>& drained);
  void Handle(const v1::CoordinatorMessage& message);
  bool DrainComplete() const;
  void SleepUnlessDraining(std::chrono::milliseconds duration);

  const AgentOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
  const v1::WorkerInfo info_;
  Outbox outbox_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string worker_id_;
  int heartbeat_ms_ = 1000;
  std::atomic<bool> draining_{false};
  std::unique_ptr<TrialRunner> runner_;  // last: its thread calls back into the members above
};

}  // namespace cascade::worker
