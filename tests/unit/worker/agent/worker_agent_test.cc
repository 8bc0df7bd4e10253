// The worker agent against a fake in-process WorkerService: a tiny trial end to end (heartbeats,
// step metrics, validation, checkpoint notice, finished), StopTrial, session loss and re-attach,
// drain. Data come from the assignment's simulate block (generated once into a per-test-binary
// cache, which also exercises the cache's reuse).
#include "worker/agent/worker_agent.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "tests/unit/worker/agent/fake_coordinator.h"
#include "worker/agent/worker_info.h"

namespace cascade::worker {
namespace {

namespace fs = std::filesystem;
using testing::AssignmentMessage;
using testing::FakeCoordinator;
using testing::StopMessage;

class WorkerAgentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() /
                         ("cascade_agent_test_" + std::to_string(::getpid())));
    fs::create_directories(*root_);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    options_.coordinator.address = "127.0.0.1:" + std::to_string(port);
    options_.coordinator.token = "worker-token";
    options_.data_cache = (*root_ / "cache").string();
    options_.hostname = "127.0.0.1";
    options_.timeout_seconds = 30;
    options_.max_backoff = std::chrono::milliseconds(200);
    auto channel =
        grpc::CreateChannel(options_.coordinator.address, grpc::InsecureChannelCredentials());
    agent_ = std::make_unique<WorkerAgent>(options_, channel, CollectWorkerInfo(options_));
    run_ = std::async(std::launch::async, [this] { return agent_->Run(); });
  }

  void TearDown() override {
    agent_->Drain();
    if (run_.valid()) EXPECT_TRUE(run_.get().ok());
    agent_.reset();
    server_->Shutdown(std::chrono::system_clock::now());
  }

  v1::Assignment Tiny(const std::string& trial, int64_t steps) {
    return testing::TinyAssignment(trial, steps, (*root_ / trial).string());
  }
  bool WaitFor(bool (v1::WorkerMessage::*has)() const, size_t count = 1) {
    return fake_.WaitUntil([&] { return fake_.ReceivedLocked(has).size() >= count; });
  }

  static fs::path* root_;
  FakeCoordinator fake_;
  std::unique_ptr<grpc::Server> server_;
  AgentOptions options_;
  std::unique_ptr<WorkerAgent> agent_;
  std::future<absl::Status> run_;
};

fs::path* WorkerAgentTest::root_ = nullptr;

TEST_F(WorkerAgentTest, TrainsATinyTrialAndReportsEverything) {
  fake_.Send(AssignmentMessage(Tiny("t-1", 2)));
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_finished));

  ASSERT_FALSE(fake_.registers().empty());
  EXPECT_EQ(fake_.registers()[0].worker_id(), "");
  EXPECT_GT(fake_.registers()[0].info().pid(), 0);
  EXPECT_EQ(fake_.hellos()[0], "w-7");
  EXPECT_FALSE(fake_.Messages(&v1::WorkerMessage::has_heartbeat).empty());

  int64_t aggregated = 0;
  for (const auto& r : fake_.Messages(&v1::WorkerMessage::has_step_metrics)) {
    EXPECT_EQ(r.message.step_metrics().trial_id(), "t-1");
    EXPECT_GT(r.message.step_metrics().metrics().step_seconds(), 0.f);
    aggregated += r.message.step_metrics().metrics().steps_aggregated();
  }
  EXPECT_EQ(aggregated, 2);

  auto validations = fake_.Messages(&v1::WorkerMessage::has_validation);
  ASSERT_EQ(validations.size(), 1u);
  EXPECT_EQ(validations[0].message.validation().metrics().epoch(), 1);
  EXPECT_EQ(validations[0].message.validation().metrics().step(), 2);
  EXPECT_GT(validations[0].message.validation().metrics().sampling_fraction_mre(), 0.0);

  auto checkpoints = fake_.Messages(&v1::WorkerMessage::has_checkpoint);
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_TRUE(fs::exists(checkpoints[0].message.checkpoint().path()));
  EXPECT_EQ(checkpoints[0].message.checkpoint().epoch(), 1);

  auto finished = fake_.Messages(&v1::WorkerMessage::has_finished);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].message.finished().trial_id(), "t-1");
  EXPECT_EQ(finished[0].message.finished().epochs_completed(), 1);
  EXPECT_EQ(finished[0].message.finished().steps_completed(), 2);
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
  for (const auto& r : fake_.Messages(&v1::WorkerMessage::has_heartbeat)) {
    EXPECT_LE(r.message.heartbeat().step(), 2);
  }
}

TEST_F(WorkerAgentTest, StopTrialEndsTheTrialAfterTheCurrentStep) {
  fake_.Send(AssignmentMessage(Tiny("t-2", 50)));
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_step_metrics));
  fake_.Send(StopMessage("t-2", /*checkpoint=*/true));
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_finished));
  auto finished = fake_.Messages(&v1::WorkerMessage::has_finished);
  ASSERT_EQ(finished.size(), 1u);
  const int64_t steps = finished[0].message.finished().steps_completed();
  EXPECT_GE(steps, 1);
  EXPECT_LT(steps, 50);
  EXPECT_EQ(finished[0].message.finished().epochs_completed(), 0);
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_validation).empty());
  auto checkpoints = fake_.Messages(&v1::WorkerMessage::has_checkpoint);
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_EQ(checkpoints[0].message.checkpoint().step(), steps);
  EXPECT_TRUE(fs::exists(checkpoints[0].message.checkpoint().path()));
}

TEST_F(WorkerAgentTest, ReattachesWithItsIdAndCurrentAssignmentAfterASessionDrop) {
  fake_.Send(AssignmentMessage(Tiny("t-3", 50)));
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_step_metrics));
  fake_.DropSession();
  ASSERT_TRUE(fake_.WaitUntil([&] { return fake_.sessions_locked() >= 2; }));
  auto registers = fake_.registers();
  ASSERT_GE(registers.size(), 2u);
  EXPECT_EQ(registers[1].worker_id(), "w-7");
  EXPECT_EQ(registers[1].current().trial_id(), "t-3");
  EXPECT_EQ(fake_.hellos()[1], "w-7");

  // Training went on across the drop; it ends on the new session.
  fake_.Send(StopMessage("t-3", /*checkpoint=*/false));
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_finished));
  auto finished = fake_.Messages(&v1::WorkerMessage::has_finished);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].session, 2);
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
}

TEST_F(WorkerAgentTest, DroppedAssignmentIsAbortedWithoutAReport) {
  fake_.keep_current = false;
  fake_.Send(AssignmentMessage(Tiny("t-4", 50)));
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_step_metrics));
  fake_.DropSession();
  // Idle again: a heartbeat on the new session names no trial.
  ASSERT_TRUE(fake_.WaitUntil([&] {
    for (const auto& r : fake_.ReceivedLocked(&v1::WorkerMessage::has_heartbeat)) {
      if (r.session >= 2 && r.message.heartbeat().trial_id().empty()) return true;
    }
    return false;
  }));
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_finished).empty());
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
}

TEST_F(WorkerAgentTest, DrainCommandClosesTheSessionAndEndsRun) {
  ASSERT_TRUE(WaitFor(&v1::WorkerMessage::has_heartbeat));
  v1::CoordinatorMessage drain;
  drain.mutable_command()->mutable_drain();
  fake_.Send(drain);
  ASSERT_TRUE(run_.get().ok());
  EXPECT_TRUE(fake_.WaitUntil([&] { return fake_.ended_sessions_locked() >= 1; }));
}

}  // namespace
}  // namespace cascade::worker
