// SimWorker: one simulated cascade-worker session for the coordinator load benchmark — a
// callback-API bidi stream that says hello, keeps reading (welcome, assignments, commands) and
// sends whatever the driver thread asks: heartbeats, and step metrics when it is rank 0 of a
// trial. No training happens; only the coordinator's side of the protocol is exercised.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "bench/coordinator_load/latency_recorder.h"
#include "cascade/v1/worker_service.grpc.pb.h"

namespace cascade::bench {

class SimWorker final : public grpc::ClientBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage> {
 public:
  // `write_latency` receives the time from StartWrite to OnWriteDone of every heartbeat.
  SimWorker(std::string worker_id, LatencyRecorder* write_latency);

  // Opens the session on `stub` with `token` and sends hello.
  void Start(v1::WorkerService::Stub* stub, const std::string& token);

  // Sends a heartbeat, or (every `step_every` heartbeats, rank 0 of a trial) step metrics first.
  // Skipped, returning false, while the previous write is in flight.
  bool SendHeartbeat(int step_every);

  // Cancels the stream and waits until gRPC is done with it.
  void Stop();

  bool welcomed() const { return welcomed_.load(); }
  bool alive() const { return !done_.load(); }
  bool has_trial() const { return has_trial_.load(); }
  const std::string& worker_id() const { return worker_id_; }
  int64_t steps_sent() const { return steps_sent_.load(); }

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  const std::string worker_id_;
  LatencyRecorder* const write_latency_;
  grpc::ClientContext context_;
  v1::CoordinatorMessage in_;
  v1::WorkerMessage out_;
  std::atomic<bool> writing_{false};
  std::atomic<bool> welcomed_{false};
  std::atomic<bool> done_{false};
  std::atomic<bool> has_trial_{false};
  std::atomic<int64_t> steps_sent_{0};
  bool out_is_heartbeat_ = false;
  std::chrono::steady_clock::time_point write_started_;

  std::mutex mu_;  // the assignment (written by reads, read by the driver)
  std::string trial_id_;
  int32_t generation_ = 0;
  int32_t rank_ = 0;
  int32_t world_size_ = 0;
  int64_t step_ = 0;
  int64_t heartbeats_ = 0;
  std::condition_variable done_cv_;
};

}  // namespace cascade::bench
