// Failures through the Coordinator: lost workers, failure reports, the progress watchdog, the
// per-scan restart budget, pause/resume/cancel and checkpoint garbage collection.
#include <fstream>

#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::HasSubstr;

std::string OneTrialSpec(int workers, int max_restarts, const std::string& extra = "") {
  return SpecYaml("  name: grid\n", "  workers_per_trial: " + std::to_string(workers) + "\n",
                  "  lr: 0.001\n",
                  "epochs: 3\nmax_restarts: " + std::to_string(max_restarts) + "\n" + extra);
}

using CoordinatorFailureTest = CoordinatorHarness;

TEST_F(CoordinatorFailureTest, LostWorkerRestartsFromCheckpointThenFailsBeyondBudget) {
  const std::string scan_id = Submit(OneTrialSpec(1, 1));
  FakeWorker& a = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current.has_value());
  const std::string trial_id = a.current->trial_id();
  EXPECT_EQ(a.current->resume_checkpoint(), "");
  ASSERT_TRUE(Checkpoint(a, "/ckpt/e1.h5", 1, 10).ok());
  FakeWorker& b = AddWorker();
  std::vector<std::string> ended;
  coordinator_->on_generation_ended = [&](const std::string& p) { ended.push_back(p); };

  // `a` goes silent; `b` keeps heartbeating.
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(Heartbeat(b).ok());
    Advance(absl::Seconds(1));
  }
  v1::Trial t = GetTrial(trial_id);
  EXPECT_EQ(t.restarts(), 1);
  EXPECT_THAT(t.generations(t.generations_size() - 1).reason(), HasSubstr("lost heartbeats"));
  EXPECT_THAT(ended, ::testing::ElementsAre("trial/" + trial_id + "/gen/1"));
  // Re-placed on `b`, resuming from the checkpoint, at a new generation.
  ASSERT_TRUE(b.current.has_value());
  EXPECT_EQ(b.current->trial_id(), trial_id);
  EXPECT_EQ(b.current->generation(), 2);
  EXPECT_EQ(b.current->resume_checkpoint(), "/ckpt/e1.h5");
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_EQ(t.generations_size(), 2);
  EXPECT_EQ(t.generations(1).start_step(), 10);
  EXPECT_EQ(*coordinator_->RendezvousPrefix(b.id), "trial/" + trial_id + "/gen/2");
  EXPECT_FALSE(coordinator_->RendezvousPrefix(a.id).has_value());

  // A second failure exceeds max_restarts: 1 -> FAILED with a message, the scan fails.
  ASSERT_TRUE(Fail(b, v1::FAILURE_KIND_NON_FINITE).ok());
  t = GetTrial(trial_id);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_FAILED);
  EXPECT_THAT(t.message(), HasSubstr("max_restarts 1"));
  EXPECT_THAT(t.message(), HasSubstr("NON_FINITE"));
  EXPECT_EQ(GetScan(scan_id).state(), v1::SCAN_STATE_FAILED);
  EXPECT_EQ(GetScan(scan_id).trials().failed(), 1);
}

TEST_F(CoordinatorFailureTest, PerTrialCapFailsATrialBeforeTheScanBudgetIsUsedUp) {
  Submit(OneTrialSpec(1, 5, "max_restarts_per_trial: 1\n"));
  FakeWorker& a = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current.has_value());
  const std::string trial_id = a.current->trial_id();
  ASSERT_TRUE(Fail(a, v1::FAILURE_KIND_INTERNAL).ok());  // restart 1 of 1 for this trial
  EXPECT_EQ(GetTrial(trial_id).restarts(), 1);
  Advance(absl::Seconds(1));  // placed again on `a`, the only worker
  ASSERT_TRUE(a.current.has_value());
  EXPECT_EQ(a.current->generation(), 2);
  ASSERT_TRUE(Fail(a, v1::FAILURE_KIND_INTERNAL).ok());
  const v1::Trial t = GetTrial(trial_id);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_FAILED);
  EXPECT_THAT(t.message(), HasSubstr("max_restarts_per_trial 1"));
}

TEST_F(CoordinatorFailureTest, PeerFailureStopsSurvivorsAndRegroups) {
  Submit(OneTrialSpec(2, 5));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current && b.current);
  EXPECT_EQ(a.current->world_size(), 2);
  const std::string trial_id = a.current->trial_id();
  FakeWorker& survivor = a.current->rank() == 0 ? b : a;
  FakeWorker& reporter = a.current->rank() == 0 ? a : b;
  ASSERT_TRUE(Fail(reporter, v1::FAILURE_KIND_PEER_LOST).ok());
  ASSERT_EQ(survivor.sink->Stops().size(), 1u);
  EXPECT_FALSE(survivor.sink->Stops()[0].checkpoint());
  EXPECT_EQ(GetTrial(trial_id).state(), v1::TRIAL_STATE_PENDING);
  // Not re-placed while the survivor still trains the old generation.
  HeartbeatAll();
  Advance(absl::Seconds(1));
  EXPECT_EQ(GetTrial(trial_id).state(), v1::TRIAL_STATE_PENDING);
  ASSERT_TRUE(Finish(survivor, 0).ok());
  Advance(absl::Seconds(1));
  v1::Trial t = GetTrial(trial_id);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_EQ(t.generation(), 2);
  EXPECT_EQ(t.world_size(), 2);
  EXPECT_EQ(t.restarts(), 1);
  // A stale-generation message names a trial the worker no longer trains: rejected.
  v1::WorkerMessage m;
  m.mutable_validation()->set_trial_id("t-999999");
  EXPECT_EQ(Send(*workers_[0], m).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CoordinatorFailureTest, SurvivorThatNeverReportsBackIsReleasedAfterProgressTimeout) {
  options_.progress_timeout = absl::Seconds(60);
  StopCoordinator();
  StartCoordinator();
  Submit(OneTrialSpec(2, 5));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current && b.current);
  const std::string trial_id = a.current->trial_id();
  ASSERT_TRUE(Fail(a, v1::FAILURE_KIND_PEER_LOST).ok());
  for (int i = 0; i < 30; ++i) {  // b ignores its StopTrial but keeps heartbeating
    HeartbeatAll();
    Advance(absl::Seconds(1));
  }
  EXPECT_EQ(GetTrial(trial_id).state(), v1::TRIAL_STATE_PENDING);
  for (int i = 0; i < 35; ++i) {
    HeartbeatAll();
    Advance(absl::Seconds(1));
  }
  v1::Trial t = GetTrial(trial_id);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_EQ(t.generation(), 2);
  EXPECT_EQ(b.current->generation(), 2);
}

TEST_F(CoordinatorFailureTest, ProgressWatchdogRestartsAHungGroup) {
  options_.progress_timeout = absl::Seconds(60);
  StopCoordinator();
  StartCoordinator();
  Submit(OneTrialSpec(1, 5));
  FakeWorker& w = AddWorker();
  Advance(absl::Seconds(1));
  const std::string trial_id = w.current->trial_id();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Heartbeat(w, 100 + i).ok());  // progressing
    Advance(absl::Seconds(1));
  }
  EXPECT_EQ(GetTrial(trial_id).restarts(), 0);
  for (int i = 0; i < 62; ++i) {
    ASSERT_TRUE(Heartbeat(w, 149).ok());  // alive but stuck
    Advance(absl::Seconds(1));
  }
  v1::Trial t = GetTrial(trial_id);
  EXPECT_EQ(t.restarts(), 1);
  EXPECT_THAT(t.message(), HasSubstr("watchdog"));
  EXPECT_EQ(w.sink->Stops().size(), 1u);
}

TEST_F(CoordinatorFailureTest, PauseCheckpointsAndReleasesResumeContinuesCancelStops) {
  const std::string scan_id = Submit(OneTrialSpec(1, 5));
  FakeWorker& w = AddWorker();
  Advance(absl::Seconds(1));
  const std::string trial_id = w.current->trial_id();
  v1::ResumeScanRequest resume;
  resume.set_scan_id(scan_id);
  EXPECT_EQ(coordinator_->ResumeScan(resume, now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  v1::PauseScanRequest pause;
  pause.set_scan_id(scan_id);
  auto paused = coordinator_->PauseScan(pause, now_);
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->scan().state(), v1::SCAN_STATE_PAUSED);
  EXPECT_EQ(coordinator_->PauseScan(pause, now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(w.sink->Stops().size(), 1u);
  EXPECT_TRUE(w.sink->Stops()[0].checkpoint());
  EXPECT_EQ(GetTrial(trial_id).state(), v1::TRIAL_STATE_PAUSED);
  ASSERT_TRUE(Checkpoint(w, "/ckpt/pause.h5", 1, 17).ok());
  ASSERT_TRUE(Finish(w, 1).ok());
  HeartbeatAll();
  Advance(absl::Seconds(1));
  EXPECT_FALSE(w.current.has_value()) << "paused trials are not placed";
  EXPECT_EQ(coordinator_->ListWorkers({})->workers(0).state(), v1::WORKER_STATE_IDLE);

  ASSERT_TRUE(coordinator_->ResumeScan(resume, now_).ok());
  Advance(absl::Seconds(1));
  ASSERT_TRUE(w.current.has_value());
  EXPECT_EQ(w.current->resume_checkpoint(), "/ckpt/pause.h5");
  EXPECT_EQ(w.current->generation(), 2);
  EXPECT_EQ(GetTrial(trial_id).restarts(), 0) << "a pause is not charged to the budget";

  v1::CancelScanRequest cancel;
  cancel.set_scan_id(scan_id);
  auto canceled = coordinator_->CancelScan(cancel, now_);
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled->scan().state(), v1::SCAN_STATE_CANCELED);
  EXPECT_EQ(GetTrial(trial_id).state(), v1::TRIAL_STATE_CANCELED);
  ASSERT_EQ(w.sink->Stops().size(), 2u);
  EXPECT_FALSE(w.sink->Stops()[1].checkpoint());
  EXPECT_TRUE(coordinator_->CancelScan(cancel, now_).ok()) << "cancel is idempotent";
  EXPECT_EQ(coordinator_->PauseScan(pause, now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  v1::CancelScanRequest unknown;
  unknown.set_scan_id("s-424242");
  EXPECT_EQ(coordinator_->CancelScan(unknown, now_).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CoordinatorFailureTest, CheckpointGcKeepsLatestAndBest) {
  Submit(OneTrialSpec(1, 5, "checkpoint:\n  keep_latest: 1\n  keep_best: 1\n"));
  FakeWorker& w = AddWorker();
  Advance(absl::Seconds(1));
  const std::filesystem::path dir = w.current->checkpoint_dir();
  std::filesystem::create_directories(dir);
  auto touch = [](const std::filesystem::path& p) { std::ofstream(p) << "x"; };
  const std::filesystem::path outside = dir_ / "elsewhere.h5";
  touch(outside);
  // Epoch 1 is the best (smallest metric), epoch 4 the latest: 2 (file removed) and 3 (outside
  // the trial's directory: record dropped, file kept) go.
  const double metrics[] = {0.1, 0.5, 0.6, 0.9};
  for (int e = 1; e <= 4; ++e) {
    const std::filesystem::path p = e == 3 ? outside : dir / ("e" + std::to_string(e) + ".h5");
    if (e != 3) touch(p);
    ASSERT_TRUE(Validate(w, e, metrics[e - 1]).ok());
    ASSERT_TRUE(Checkpoint(w, p.string(), e, e * 10).ok());
  }
  v1::GetTrialRequest req;
  req.set_trial_id(w.current->trial_id());
  auto resp = coordinator_->GetTrial(req);
  ASSERT_TRUE(resp.ok());
  std::vector<int> kept;
  for (const auto& c : resp->checkpoints()) kept.push_back(c.epoch());
  std::sort(kept.begin(), kept.end());
  EXPECT_THAT(kept, ::testing::ElementsAre(1, 4));
  EXPECT_TRUE(std::filesystem::exists(dir / "e1.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "e2.h5"));
  EXPECT_TRUE(std::filesystem::exists(dir / "e4.h5"));
  EXPECT_TRUE(std::filesystem::exists(outside)) << "files outside the trial dir are never deleted";
  EXPECT_EQ(resp->trial().latest_checkpoint().epoch(), 4);
  EXPECT_TRUE(resp->trial().latest_checkpoint().has_metric());
}

}  // namespace
}  // namespace cascade::coordinator::testing
