// Two agents train one trial as a group of 2: the Gloo group forms through the coordinator's
// RendezvousServiceImpl (served next to a fake WorkerService), rank 0 alone reports metrics,
// validation and checkpoints, and a StopTrial seen by one rank stops both at the same step.
// Elastic groups: a lost peer suspends the survivor at its commit, a Regroup command suspends
// both at one fresh commit and the survivor resumes in place, a drain lets the group commit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "common/rpc/token_registry.h"
#include "coordinator/rendezvous/rendezvous_service.h"
#include "tests/unit/worker/agent/fake_coordinator.h"
#include "worker/agent/worker_agent.h"
#include "worker/agent/worker_info.h"

namespace cascade::worker {
namespace {

namespace fs = std::filesystem;
using testing::AssignmentMessage;
using testing::FakeCoordinator;
using testing::Received;
using testing::StopMessage;

constexpr char kToken[] = "pool-token";

class WorkerAgentGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cascade_agent_group_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_);
    auth_ = std::make_unique<rpc::Authenticator>(rpc::TokenRegistry(
        {{.name = "pool", .role = rpc::Role::kWorker, .sha256_hex = rpc::HashToken(kToken)}}));
    rendezvous_ = std::make_unique<coordinator::RendezvousServiceImpl>(
        *auth_, [this](const std::string&) -> std::optional<std::string> { return prefix_; });
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&fake_);
    builder.RegisterService(rendezvous_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    AgentOptions options;
    options.coordinator.address = "127.0.0.1:" + std::to_string(port);
    options.coordinator.token = kToken;
    options.data_cache = (root_ / "cache").string();
    options.hostname = "127.0.0.1";
    options.timeout_seconds = 60;
    for (int i = 0; i < 2; ++i) {
      auto channel =
          grpc::CreateChannel(options.coordinator.address, grpc::InsecureChannelCredentials());
      agents_.push_back(
          std::make_unique<WorkerAgent>(options, channel, CollectWorkerInfo(options)));
      runs_.push_back(std::async(std::launch::async, [this, i] { return agents_[i]->Run(); }));
    }
    ASSERT_TRUE(fake_.WaitUntil([&] { return fake_.sessions_locked() >= 2; }));
  }

  void TearDown() override {
    for (auto& agent : agents_) agent->Drain();
    for (auto& run : runs_) EXPECT_TRUE(run.get().ok());
    agents_.clear();
    server_->Shutdown(std::chrono::system_clock::now());
    fs::remove_all(root_);
  }

  // Rank r of the trial goes to worker w-(7+r).
  void Assign(const std::string& trial, int64_t steps, int commit_every = 0) {
    prefix_ = "trial/" + trial + "/gen/0";
    for (int rank = 0; rank < 2; ++rank) {
      v1::Assignment a = testing::TinyAssignment(trial, steps, (root_ / trial).string());
      a.set_rank(rank);
      a.set_world_size(2);
      a.set_commit_every_steps(commit_every);
      fake_.Send(AssignmentMessage(a), "w-" + std::to_string(7 + rank));
    }
  }
  std::vector<Received> From(const std::string& worker, bool (v1::WorkerMessage::*has)() const) {
    std::vector<Received> out;
    for (auto& r : fake_.Messages(has)) {
      if (r.worker_id == worker) out.push_back(r);
    }
    return out;
  }
  bool WaitForFinishedOfBoth() {
    return fake_.WaitUntil([&] {
      return fake_.ReceivedLocked(&v1::WorkerMessage::has_finished).size() +
                 fake_.ReceivedLocked(&v1::WorkerMessage::has_failure).size() >=
             2;
    });
  }

  fs::path root_;
  std::string prefix_;  // written before the assignments are sent, read by rendezvous calls
  std::unique_ptr<rpc::Authenticator> auth_;
  std::unique_ptr<coordinator::RendezvousServiceImpl> rendezvous_;
  FakeCoordinator fake_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<WorkerAgent>> agents_;
  std::vector<std::future<absl::Status>> runs_;
};

TEST_F(WorkerAgentGroupTest, TwoRanksTrainOneTrialThroughTheCoordinatorsRendezvous) {
  Assign("t-5", 2);
  ASSERT_TRUE(WaitForFinishedOfBoth());
  for (const auto& r : fake_.Messages(&v1::WorkerMessage::has_failure)) {
    ADD_FAILURE() << r.worker_id << ": " << r.message.failure().message();
  }
  for (const char* worker : {"w-7", "w-8"}) {
    auto finished = From(worker, &v1::WorkerMessage::has_finished);
    ASSERT_EQ(finished.size(), 1u) << worker;
    EXPECT_EQ(finished[0].message.finished().steps_completed(), 2) << worker;
    EXPECT_EQ(finished[0].message.finished().epochs_completed(), 1) << worker;
  }
  EXPECT_FALSE(From("w-7", &v1::WorkerMessage::has_step_metrics).empty());
  EXPECT_EQ(From("w-7", &v1::WorkerMessage::has_validation).size(), 1u);
  EXPECT_EQ(From("w-7", &v1::WorkerMessage::has_checkpoint).size(), 1u);
  EXPECT_TRUE(From("w-8", &v1::WorkerMessage::has_step_metrics).empty());
  EXPECT_TRUE(From("w-8", &v1::WorkerMessage::has_validation).empty());
  EXPECT_TRUE(From("w-8", &v1::WorkerMessage::has_checkpoint).empty());
  auto metrics = From("w-7", &v1::WorkerMessage::has_step_metrics);
  EXPECT_EQ(metrics[0].message.step_metrics().metrics().world_size(), 2);
}

TEST_F(WorkerAgentGroupTest, AStopSeenByOneRankStopsBothAtTheSameStep) {
  Assign("t-6", 50);
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return !fake_.ReceivedLocked(&v1::WorkerMessage::has_step_metrics).empty(); }));
  fake_.Send(StopMessage("t-6", /*checkpoint=*/false), "w-8");  // rank 1 only
  ASSERT_TRUE(WaitForFinishedOfBoth());
  auto rank0 = From("w-7", &v1::WorkerMessage::has_finished);
  auto rank1 = From("w-8", &v1::WorkerMessage::has_finished);
  ASSERT_EQ(rank0.size(), 1u);
  ASSERT_EQ(rank1.size(), 1u);
  EXPECT_EQ(rank0[0].message.finished().steps_completed(),
            rank1[0].message.finished().steps_completed());
  EXPECT_LT(rank0[0].message.finished().steps_completed(), 50);
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
}

TEST_F(WorkerAgentGroupTest, ARankWhoseAssignmentIsDroppedTakesItsGroupWithIt) {
  Assign("t-7", 50);
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return !fake_.ReceivedLocked(&v1::WorkerMessage::has_step_metrics).empty(); }));
  fake_.keep_current = false;  // rank 1 re-attaches and is told to drop the trial
  fake_.DropSession("w-8");
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return !fake_.ReceivedLocked(&v1::WorkerMessage::has_suspended).empty(); }));
  // Rank 0 keeps its last commit and waits for the coordinator's next generation.
  auto suspended = fake_.Messages(&v1::WorkerMessage::has_suspended);
  ASSERT_EQ(suspended.size(), 1u);
  EXPECT_EQ(suspended[0].worker_id, "w-7");
  EXPECT_EQ(suspended[0].message.suspended().cause(), v1::SUSPEND_CAUSE_PEER_FAILED);
  EXPECT_NE(suspended[0].message.suspended().message().find("left the group"), std::string::npos)
      << suspended[0].message.suspended().message();
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_finished).empty());
}

TEST_F(WorkerAgentGroupTest, RegroupSuspendsBothAtOneCommitAndTheSurvivorResumesInPlace) {
  Assign("t-8", 40, /*commit_every=*/4);
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return !fake_.ReceivedLocked(&v1::WorkerMessage::has_step_metrics).empty(); }));
  v1::CoordinatorMessage regroup;
  regroup.mutable_command()->mutable_regroup()->set_trial_id("t-8");
  regroup.mutable_command()->mutable_regroup()->set_generation(0);
  fake_.Send(regroup, "w-8");  // one rank is told; the group agrees on the step
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return fake_.ReceivedLocked(&v1::WorkerMessage::has_suspended).size() >= 2; }));
  auto s0 = From("w-7", &v1::WorkerMessage::has_suspended);
  auto s1 = From("w-8", &v1::WorkerMessage::has_suspended);
  ASSERT_EQ(s0.size(), 1u);
  ASSERT_EQ(s1.size(), 1u);
  const v1::GroupSuspended& a = s0[0].message.suspended();
  EXPECT_EQ(a.cause(), v1::SUSPEND_CAUSE_REGROUP);
  EXPECT_EQ(s1[0].message.suspended().cause(), v1::SUSPEND_CAUSE_REGROUP);
  // Both committed the step they left at: nothing is rolled back.
  EXPECT_EQ(a.committed_step(), a.step());
  EXPECT_EQ(s1[0].message.suspended().committed_step(), a.committed_step());
  EXPECT_GT(a.committed_step(), 0);
  EXPECT_LT(a.committed_step(), 40);

  // Generation 1: w-8 alone, in place from its commit; w-7 is stopped.
  fake_.Send(StopMessage("t-8", /*checkpoint=*/false), "w-7");
  v1::Assignment next = testing::TinyAssignment("t-8", 40, (root_ / "t-8").string());
  next.set_generation(1);
  next.set_in_place_step(a.committed_step());
  fake_.Send(AssignmentMessage(next), "w-8");
  ASSERT_TRUE(fake_.WaitUntil([&] {
    for (const auto& r : fake_.ReceivedLocked(&v1::WorkerMessage::has_finished)) {
      if (r.worker_id == "w-8") return true;
    }
    return false;
  }));
  auto started = From("w-8", &v1::WorkerMessage::has_started);
  ASSERT_FALSE(started.empty());
  EXPECT_EQ(started[0].message.started().generation(), 1);
  EXPECT_EQ(started[0].message.started().start_step(), a.committed_step());
  EXPECT_FALSE(started[0].message.started().provenance().onednn_version().empty());
  auto finished = From("w-8", &v1::WorkerMessage::has_finished);
  // The epoch ends where its events run out: the rest of it at the new global batch.
  EXPECT_EQ(finished[0].message.finished().epochs_completed(), 1);
  EXPECT_GT(finished[0].message.finished().steps_completed(), a.committed_step());
  EXPECT_EQ(From("w-7", &v1::WorkerMessage::has_finished).size(), 1u);
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
}

TEST_F(WorkerAgentGroupTest, ADrainingRankLetsItsGroupCommitThenDeregisters) {
  Assign("t-9", 40, /*commit_every=*/4);
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return !fake_.ReceivedLocked(&v1::WorkerMessage::has_step_metrics).empty(); }));
  const size_t leaver = agents_[0]->worker_id() == "w-8" ? 0 : 1;
  agents_[leaver]->Drain();  // SIGTERM on rank 1
  ASSERT_EQ(runs_[leaver].wait_for(std::chrono::seconds(300)), std::future_status::ready);
  ASSERT_TRUE(fake_.WaitUntil(
      [&] { return !fake_.ReceivedLocked(&v1::WorkerMessage::has_suspended).empty(); }));
  auto suspended = From("w-7", &v1::WorkerMessage::has_suspended);
  ASSERT_EQ(suspended.size(), 1u);
  const v1::GroupSuspended& s = suspended[0].message.suspended();
  EXPECT_EQ(s.cause(), v1::SUSPEND_CAUSE_PEER_LEFT);
  EXPECT_EQ(s.committed_step(), s.step());
  EXPECT_EQ(From("w-8", &v1::WorkerMessage::has_deregister).size(), 1u);
  EXPECT_TRUE(From("w-8", &v1::WorkerMessage::has_suspended).empty());
  // Rank 0 wrote a disk checkpoint of the step the group left at (a drain below min_workers
  // loses nothing).
  bool checkpointed = false;
  for (const auto& r : From("w-7", &v1::WorkerMessage::has_checkpoint)) {
    checkpointed |= r.message.checkpoint().step() == s.committed_step();
  }
  EXPECT_TRUE(checkpointed);
  EXPECT_TRUE(fake_.Messages(&v1::WorkerMessage::has_failure).empty());
}

}  // namespace
}  // namespace cascade::worker
