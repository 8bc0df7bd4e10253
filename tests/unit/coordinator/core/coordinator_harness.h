// Test harness for the Coordinator: a fake clock, fake worker sessions that record what the
// coordinator sends, and helpers that play a worker's side of the protocol. No threads, no sleeps.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cascade/v1/worker_service.pb.h"
#include "coordinator/core/coordinator.h"
#include "gtest/gtest.h"

namespace cascade::coordinator::testing {

class FakeSink : public SessionSink {
 public:
  void Send(const v1::CoordinatorMessage& message) override { messages.push_back(message); }
  void Close(const absl::Status& status) override { closed = status; }
  std::vector<v1::Assignment> Assignments() const;
  std::vector<v1::StopTrial> Stops() const;
  std::vector<v1::Regroup> Regroups() const;
  std::vector<v1::CoordinatorMessage> messages;
  std::optional<absl::Status> closed;
};

struct FakeWorker {
  std::string id;
  std::shared_ptr<FakeSink> sink;
  // The assignment it trains now (last received, unless stopped/finished since).
  std::optional<v1::Assignment> current;
};

// A scan spec with the given searcher/resources blocks (YAML fragments) over simulated data.
std::string SpecYaml(const std::string& searcher, const std::string& resources,
                     const std::string& hyperparameters, const std::string& extra = "");

class CoordinatorHarness : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens the store (file under the temp dir) and creates a coordinator on it.
  void StartCoordinator();
  void StopCoordinator() { coordinator_.reset(); }
  void Advance(absl::Duration d);  // moves the clock and calls Tick
  void Tick() { coordinator_->Tick(now_); }

  std::string Submit(const std::string& yaml, const std::string& request_id = "");
  FakeWorker& AddWorker(const std::string& hostname = "node1");
  // Re-registers `w` with its old id and current assignment, then opens a new session.
  bool Reattach(FakeWorker& w);
  // Picks up any new assignment the worker received.
  void Poll(FakeWorker& w);
  absl::Status Send(FakeWorker& w, const v1::WorkerMessage& m);
  absl::Status Heartbeat(FakeWorker& w, int64_t step = 0);
  absl::Status Validate(FakeWorker& w, int epoch, double metric);
  absl::Status Checkpoint(FakeWorker& w, const std::string& path, int epoch, int64_t step);
  absl::Status Finish(FakeWorker& w, int epochs);
  absl::Status Fail(FakeWorker& w, v1::FailureKind kind);
  // Elastic groups (the worker side of docs/coordinator.md's regroup protocol).
  absl::Status Suspend(FakeWorker& w, v1::SuspendCause cause, int64_t committed_step,
                       int64_t step = 0);
  absl::Status Deregister(FakeWorker& w, const std::string& reason = "SIGTERM");
  absl::Status Started(FakeWorker& w, int64_t start_step, const v1::Provenance& provenance = {});
  absl::Status TimedHeartbeat(FakeWorker& w, int64_t step, double step_seconds,
                              int64_t committed_step, double wait_seconds = 0);
  // Every worker's heartbeat, so nobody times out while the test advances time.
  void HeartbeatAll();

  v1::Scan GetScan(const std::string& id);
  std::vector<v1::Trial> Trials(const std::string& scan_id);
  v1::Trial GetTrial(const std::string& id);

  std::filesystem::path dir_;
  std::string db_path_;
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  CoordinatorOptions options_;
  std::unique_ptr<Coordinator> coordinator_;
  std::vector<std::unique_ptr<FakeWorker>> workers_;
};

}  // namespace cascade::coordinator::testing
