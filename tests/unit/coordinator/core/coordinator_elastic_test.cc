// Elastic groups through the Coordinator, beyond failures: growth by Regroup command (after
// pending trials), the GAN health guard's rollback with a halved LR, the straggler flag and host
// cooldown. Fake clock, fake workers.
#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Spec(const std::string& resources, int max_restarts,
                 const std::string& hparams = "  lr: 0.001\n") {
  return SpecYaml("  name: grid\n", resources, hparams,
                  "epochs: 3\nmax_restarts: " + std::to_string(max_restarts) + "\n");
}

using CoordinatorElasticTest = CoordinatorHarness;

TEST_F(CoordinatorElasticTest, AWorkerRegisteringMidTrialGrowsTheGroupAtTheNextCommit) {
  Submit(Spec("  min_workers: 1\n  max_workers: 2\n", 0));
  FakeWorker& a = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current.has_value());
  const std::string trial_id = a.current->trial_id();
  ASSERT_TRUE(Heartbeat(a, 10).ok());  // training
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_EQ(a.sink->Regroups().size(), 1u);
  EXPECT_EQ(a.sink->Regroups()[0].trial_id(), trial_id);
  EXPECT_EQ(a.sink->Regroups()[0].generation(), 1);
  EXPECT_FALSE(b.current.has_value()) << "nothing is reserved";
  HeartbeatAll();
  Advance(absl::Seconds(1));
  EXPECT_EQ(a.sink->Regroups().size(), 1u) << "asked once per generation";

  ASSERT_TRUE(Suspend(a, v1::SUSPEND_CAUSE_REGROUP, 20, 20).ok());
  Advance(absl::Seconds(1));
  v1::Trial t = GetTrial(trial_id);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_THAT(t.worker_ids(), ElementsAre(a.id, b.id));
  EXPECT_EQ(t.restarts(), 0);
  EXPECT_FALSE(t.generations(1).charged());
  EXPECT_TRUE(t.generations(1).in_place());
  ASSERT_TRUE(b.current.has_value());
  EXPECT_EQ(b.current->rank(), 1);
  EXPECT_EQ(b.current->world_size(), 2);
  EXPECT_EQ(b.current->in_place_step(), 20);
}

TEST_F(CoordinatorElasticTest, PendingTrialsComeBeforeGrowth) {
  Submit(Spec("  min_workers: 1\n  max_workers: 2\n  max_concurrent_trials: 2\n", 0,
              "  lr: {type: categorical, vals: [0.001, 0.002]}\n"));
  FakeWorker& a = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current.has_value());
  ASSERT_TRUE(Heartbeat(a, 10).ok());
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(b.current.has_value()) << "the pending trial gets the new worker";
  EXPECT_NE(b.current->trial_id(), a.current->trial_id());
  EXPECT_TRUE(a.sink->Regroups().empty());
  ASSERT_TRUE(Heartbeat(b, 10).ok());
  FakeWorker& c = AddWorker();
  Advance(absl::Seconds(1));
  // One free worker: only the older trial is asked to grow.
  EXPECT_EQ(a.sink->Regroups().size(), 1u);
  EXPECT_TRUE(b.sink->Regroups().empty());
  EXPECT_FALSE(c.current.has_value());
}

TEST_F(CoordinatorElasticTest, UnhealthyRollsBackWithHalvedLrAndIsCharged) {
  Submit(Spec("  workers_per_trial: 2\n", 1));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  const std::string trial_id = a.current->trial_id();
  ASSERT_TRUE(Suspend(a, v1::SUSPEND_CAUSE_UNHEALTHY, 40, 45).ok());
  ASSERT_TRUE(Suspend(b, v1::SUSPEND_CAUSE_UNHEALTHY, 40, 45).ok());
  Advance(absl::Seconds(1));
  v1::Trial t = GetTrial(trial_id);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_DOUBLE_EQ(t.lr_scale(), 0.5);
  EXPECT_EQ(t.restarts(), 1);
  EXPECT_THAT(t.message(), HasSubstr("health guard"));
  EXPECT_TRUE(t.generations(1).charged());
  EXPECT_DOUBLE_EQ(a.current->lr_scale(), 0.5);
  EXPECT_DOUBLE_EQ(b.current->lr_scale(), 0.5);
  EXPECT_EQ(a.current->in_place_step(), 40);
  EXPECT_EQ(t.generations(1).steps_lost(), 5);

  // Again: the budget (1) is used up -> FAILED, reported.
  ASSERT_TRUE(Suspend(a, v1::SUSPEND_CAUSE_UNHEALTHY, 80, 81).ok());
  ASSERT_TRUE(Suspend(b, v1::SUSPEND_CAUSE_UNHEALTHY, 80, 81).ok());
  Advance(absl::Seconds(1));
  t = GetTrial(trial_id);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_FAILED);
  EXPECT_THAT(t.message(), HasSubstr("max_restarts 1"));
  EXPECT_THAT(t.message(), HasSubstr("health guard"));
  EXPECT_EQ(a.sink->Stops().size(), 1u);
  EXPECT_EQ(b.sink->Stops().size(), 1u);
}

TEST_F(CoordinatorElasticTest, StragglerFlaggedAfterThreeSlowHeartbeatsAndCleared) {
  Submit(Spec("  workers_per_trial: 3\n", 0));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  FakeWorker& c = AddWorker();
  Advance(absl::Seconds(1));
  auto straggler = [&](const FakeWorker& w) {
    const auto listed = coordinator_->ListWorkers({});
    for (const auto& x : listed->workers()) {
      if (x.id() == w.id) return x.straggler();
    }
    ADD_FAILURE() << "no worker " << w.id;
    return false;
  };
  // Synchronous data parallelism: every rank's step takes as long as the slowest one's; the
  // fast ranks spend the difference waiting in allreduce. Only the work (step - wait) tells.
  auto round = [&](double slow) {
    ASSERT_TRUE(TimedHeartbeat(a, 10, slow, 5, slow - 1.0).ok());
    ASSERT_TRUE(TimedHeartbeat(b, 10, slow, 5, slow - 1.1).ok());
    ASSERT_TRUE(TimedHeartbeat(c, 10, slow, 5, 0.0).ok());
  };
  round(2.0);
  round(2.0);
  EXPECT_FALSE(straggler(c));
  round(2.0);
  EXPECT_TRUE(straggler(c));
  EXPECT_FALSE(straggler(a));
  EXPECT_FALSE(straggler(b));
  const auto listed = coordinator_->ListWorkers({});
  ASSERT_TRUE(listed.ok());
  for (const auto& x : listed->workers()) {
    if (x.id() != c.id) continue;
    EXPECT_FLOAT_EQ(x.timing().step_seconds_mean(), 2.0f);
    EXPECT_EQ(x.committed_step(), 5);
  }
  round(1.2);
  round(1.2);
  EXPECT_TRUE(straggler(c));
  round(1.2);
  EXPECT_FALSE(straggler(c));
}

TEST_F(CoordinatorElasticTest, AHostThatKeepsFailingIsCooledDown) {
  Submit(Spec("  workers_per_trial: 1\n", 10));
  FakeWorker& bad = AddWorker("a-badhost");  // sorts first: placed first
  FakeWorker& good = AddWorker("b-goodhost");
  Advance(absl::Seconds(1));
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(bad.current.has_value()) << "failure " << k;
    ASSERT_TRUE(Fail(bad, v1::FAILURE_KIND_DATA).ok());
    HeartbeatAll();
    Advance(absl::Seconds(1));
  }
  EXPECT_FALSE(bad.current.has_value()) << "cooling down after 3 failures";
  ASSERT_TRUE(good.current.has_value());
  for (int i = 0; i < 61; ++i) {  // 5 min
    HeartbeatAll();
    Advance(absl::Seconds(5));
  }
  ASSERT_TRUE(Fail(good, v1::FAILURE_KIND_INTERNAL).ok());
  HeartbeatAll();
  Advance(absl::Seconds(1));
  EXPECT_TRUE(bad.current.has_value()) << "back after the cooldown";
  EXPECT_FALSE(good.current.has_value());
}

}  // namespace
}  // namespace cascade::coordinator::testing
