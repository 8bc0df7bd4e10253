// Elastic groups through the Coordinator: a broken generation re-forms in place from the
// survivors' in-memory commit, waits below min_workers, falls back to the disk checkpoint, and
// converges to one generation across a coordinator restart. Fake clock, fake workers.
#include <set>

#include "coordinator/core/spec_mapping.h"
#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ElasticSpec(int min_workers, int max_workers, int max_restarts) {
  return SpecYaml("  name: grid\n",
                  "  min_workers: " + std::to_string(min_workers) +
                      "\n  max_workers: " + std::to_string(max_workers) + "\n",
                  "  lr: 0.001\n",
                  "epochs: 3\nmax_restarts: " + std::to_string(max_restarts) + "\n");
}

class CoordinatorRegroupTest : public CoordinatorHarness {
 protected:
  // Places the one trial of `spec` on `n` new workers; returns them by rank.
  std::vector<FakeWorker*> StartGroup(const std::string& spec, int n) {
    Submit(spec);
    std::vector<FakeWorker*> added;
    for (int i = 0; i < n; ++i) added.push_back(&AddWorker());
    Advance(absl::Seconds(1));
    std::vector<FakeWorker*> by_rank(n, nullptr);
    for (FakeWorker* w : added) {
      EXPECT_TRUE(w->current.has_value());
      if (w->current) by_rank.at(w->current->rank()) = w;
    }
    trial_id_ = by_rank[0]->current->trial_id();
    return by_rank;
  }
  // One second passes; every worker not in `silent` heartbeats (at its assignment, if any).
  void Second(const std::set<FakeWorker*>& silent = {}, int64_t step = 0) {
    for (auto& w : workers_) {
      if (!silent.count(w.get())) {
        ASSERT_TRUE(Heartbeat(*w, step).ok());
      }
    }
    Advance(absl::Seconds(1));
  }
  int Generation() { return GetTrial(trial_id_).generation(); }
  std::string trial_id_;
};

TEST_F(CoordinatorRegroupTest, KilledMemberSurvivorsReformInPlaceFromTheNewestCommit) {
  std::vector<std::string> ended;
  coordinator_->on_generation_ended = [&](const std::string& p) { ended.push_back(p); };
  auto g = StartGroup(ElasticSpec(2, 3, 3), 3);
  FakeWorker &r0 = *g[0], &r1 = *g[1], &r2 = *g[2];
  EXPECT_EQ(r0.current->world_size(), 3);
  EXPECT_EQ(r0.current->in_place_step(), 0) << "a fresh start is not in place";
  EXPECT_DOUBLE_EQ(r0.current->lr_scale(), 1.0);
  const uint64_t seed = GetTrial(trial_id_).provenance().trial_seed();
  for (int i = 0; i < 5; ++i) Second({}, 150 + i);

  // r1 is killed; the others' collective fails and they suspend with their commits.
  const absl::Time failed_at = now_;
  ASSERT_TRUE(Suspend(r0, v1::SUSPEND_CAUSE_PEER_FAILED, 100, 160).ok());
  ASSERT_TRUE(Suspend(r2, v1::SUSPEND_CAUSE_PEER_FAILED, 150, 160).ok());
  for (int i = 0; i < 9; ++i) {
    Second({&r1});
    ASSERT_EQ(Generation(), 1) << "waits until the silent member is declared lost";
  }
  for (int i = 0; i < 4 && Generation() == 1; ++i) Second({&r1});

  v1::Trial t = GetTrial(trial_id_);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_THAT(t.worker_ids(), ElementsAre(r2.id, r0.id)) << "the newest commit is rank 0";
  EXPECT_EQ(t.restarts(), 1);
  const v1::GroupGeneration& gen = t.generations(1);
  EXPECT_TRUE(gen.in_place());
  EXPECT_TRUE(gen.charged());
  EXPECT_EQ(gen.start_step(), 150);
  EXPECT_EQ(gen.steps_lost(), 10);
  EXPECT_EQ(TimeFromProto(gen.failed_at()), failed_at);
  EXPECT_THAT(gen.reason(), HasSubstr("PEER_FAILED"));
  EXPECT_THAT(ended, ElementsAre("trial/" + trial_id_ + "/gen/1"));
  ASSERT_EQ(r2.current->generation(), 2);
  EXPECT_EQ(r2.current->rank(), 0);
  EXPECT_EQ(r2.current->world_size(), 2);
  EXPECT_EQ(r2.current->in_place_step(), 150);
  EXPECT_EQ(r0.current->rank(), 1);
  EXPECT_EQ(r0.current->in_place_step(), 150);
  EXPECT_EQ(*coordinator_->RendezvousPrefix(r2.id), "trial/" + trial_id_ + "/gen/2");
  EXPECT_FALSE(coordinator_->RendezvousPrefix(r1.id).has_value());
  EXPECT_TRUE(r0.sink->Stops().empty()) << "survivors are re-assigned, not stopped";

  // Rank 0 reports the group training again; a GroupStarted from another rank is ignored.
  v1::Provenance prov;
  prov.set_onednn_version("3.0.0");
  prov.set_cpu_isa("avx2");
  prov.set_trial_seed(4242);
  ASSERT_TRUE(Started(r0, 999, prov).ok());
  EXPECT_FALSE(GetTrial(trial_id_).generations(1).has_resumed_at());
  now_ += absl::Seconds(1);
  ASSERT_TRUE(Started(r2, 150, prov).ok());
  t = GetTrial(trial_id_);
  EXPECT_EQ(TimeFromProto(t.generations(1).resumed_at()), now_);
  EXPECT_EQ(t.steps_completed(), 150);
  EXPECT_EQ(t.provenance().onednn_version(), "3.0.0");
  EXPECT_EQ(t.provenance().trial_seed(), seed) << "the coordinator's seed is kept";

  EXPECT_FALSE(Reattach(r1)) << "the killed worker's assignment is stale";
  EXPECT_EQ(Generation(), 2);
}

TEST_F(CoordinatorRegroupTest, DrainIsNotChargedAndTheWorkerIsGone) {
  auto g = StartGroup(ElasticSpec(2, 3, 0), 3);  // no budget: any charge would fail the trial
  FakeWorker &r0 = *g[0], &r1 = *g[1], &r2 = *g[2];
  Second({}, 70);
  ASSERT_TRUE(Suspend(r0, v1::SUSPEND_CAUSE_PEER_LEFT, 60, 70).ok());
  ASSERT_TRUE(Suspend(r2, v1::SUSPEND_CAUSE_PEER_LEFT, 60, 70).ok());
  ASSERT_TRUE(Deregister(r1).ok());
  ASSERT_TRUE(r1.sink->closed.has_value());
  EXPECT_TRUE(r1.sink->closed->ok());
  Second({&r1});
  v1::Trial t = GetTrial(trial_id_);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_THAT(t.worker_ids(), ElementsAre(r0.id, r2.id));
  EXPECT_EQ(t.restarts(), 0);
  EXPECT_FALSE(t.generations(1).charged());
  EXPECT_TRUE(t.generations(1).in_place());
  v1::ListWorkersRequest gone;
  gone.add_states(v1::WORKER_STATE_GONE);
  auto listed = coordinator_->ListWorkers(gone);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->workers_size(), 1);
  EXPECT_EQ(listed->workers(0).id(), r1.id);
  EXPECT_EQ(Heartbeat(r1).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CoordinatorRegroupTest, BelowMinWorkersWaitsThenANewWorkerJoinsInPlace) {
  auto g = StartGroup(ElasticSpec(2, 2, 3), 2);
  FakeWorker &r0 = *g[0], &r1 = *g[1];
  ASSERT_TRUE(Suspend(r0, v1::SUSPEND_CAUSE_PEER_FAILED, 80, 90).ok());
  for (int i = 0; i < 20; ++i) Second({&r1});
  v1::Trial t = GetTrial(trial_id_);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING) << "the survivor waits for a worker";
  EXPECT_EQ(t.generation(), 1);
  EXPECT_TRUE(r0.sink->Stops().empty());
  FakeWorker& c = AddWorker("node2");
  Second({&r1});
  t = GetTrial(trial_id_);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_THAT(t.worker_ids(), ElementsAre(r0.id, c.id));
  EXPECT_EQ(t.restarts(), 1);
  ASSERT_TRUE(c.current.has_value());
  EXPECT_EQ(c.current->rank(), 1);
  EXPECT_EQ(c.current->in_place_step(), 80) << "the joiner takes rank 0's state";
  EXPECT_EQ(r0.current->generation(), 2);
}

TEST_F(CoordinatorRegroupTest, BelowMinWorkersTooLongRestartsFromDisk) {
  options_.regroup_timeout = absl::Seconds(60);
  StopCoordinator();
  StartCoordinator();
  auto g = StartGroup(ElasticSpec(2, 2, 3), 2);
  FakeWorker &r0 = *g[0], &r1 = *g[1];
  ASSERT_TRUE(Checkpoint(r0, "/ckpt/e1.h5", 1, 50).ok());
  const absl::Time failed_at = now_;
  ASSERT_TRUE(Suspend(r0, v1::SUSPEND_CAUSE_PEER_FAILED, 80, 90).ok());
  for (int i = 0; i < 58; ++i) Second({&r1});
  EXPECT_EQ(GetTrial(trial_id_).state(), v1::TRIAL_STATE_RUNNING);
  for (int i = 0; i < 3; ++i) Second({&r1});
  v1::Trial t = GetTrial(trial_id_);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_PENDING);
  EXPECT_EQ(t.restarts(), 1);
  ASSERT_EQ(r0.sink->Stops().size(), 1u) << "the survivor is released";
  // The survivor winds down; a new worker arrives: placed from the disk checkpoint.
  ASSERT_TRUE(Finish(r0, 1).ok());
  FakeWorker& c = AddWorker("node2");
  Second({&r1});
  t = GetTrial(trial_id_);
  ASSERT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_EQ(t.generation(), 2);
  ASSERT_TRUE(c.current.has_value());
  EXPECT_EQ(c.current->resume_checkpoint(), "/ckpt/e1.h5");
  EXPECT_EQ(c.current->in_place_step(), 0);
  const v1::GroupGeneration& gen = t.generations(1);
  EXPECT_FALSE(gen.in_place());
  EXPECT_TRUE(gen.charged());
  EXPECT_EQ(gen.start_step(), 50);
  EXPECT_EQ(gen.steps_lost(), 40);
  EXPECT_EQ(TimeFromProto(gen.failed_at()), failed_at);
}

TEST_F(CoordinatorRegroupTest, SurvivorsThatNeverSuspendTakeTheDiskPathAfterTheTimeout) {
  options_.regroup_timeout = absl::Seconds(30);
  StopCoordinator();
  StartCoordinator();
  auto g = StartGroup(ElasticSpec(2, 2, 3), 2);
  FakeWorker &r0 = *g[0], &r1 = *g[1];
  for (int i = 0; i < 35; ++i) Second({&r1});  // lost after ~11 s, then 30 s for r0 to suspend
  EXPECT_EQ(GetTrial(trial_id_).state(), v1::TRIAL_STATE_RUNNING);
  for (int i = 0; i < 10; ++i) Second({&r1});
  v1::Trial t = GetTrial(trial_id_);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_PENDING);
  EXPECT_EQ(t.restarts(), 1);
  EXPECT_THAT(t.message(), HasSubstr("lost heartbeats"));
  EXPECT_THAT(t.message(), HasSubstr("silent"));
  EXPECT_EQ(r0.sink->Stops().size(), 1u);
}

TEST_F(CoordinatorRegroupTest, SilentMembersAreLeftOutAtTheTimeoutAndStopped) {
  options_.regroup_timeout = absl::Seconds(30);
  StopCoordinator();
  StartCoordinator();
  auto g = StartGroup(ElasticSpec(1, 3, 3), 3);
  FakeWorker &r0 = *g[0], &r1 = *g[1], &r2 = *g[2];
  ASSERT_TRUE(Suspend(r2, v1::SUSPEND_CAUSE_PEER_FAILED, 90, 95).ok());
  for (int i = 0; i < 29; ++i) Second({&r1});  // r0 heartbeats but never suspends
  EXPECT_EQ(Generation(), 1);
  for (int i = 0; i < 2; ++i) Second({&r1});
  v1::Trial t = GetTrial(trial_id_);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_THAT(t.worker_ids(), ElementsAre(r2.id)) << "r0 is not idle: it may not join";
  EXPECT_EQ(r2.current->in_place_step(), 90);
  ASSERT_EQ(r0.sink->Stops().size(), 1u);
  EXPECT_THAT(r0.sink->Stops()[0].reason(), HasSubstr("regroup timeout"));
  EXPECT_FALSE(coordinator_->RendezvousPrefix(r0.id).has_value());
  // r0 winds down (its late suspension of generation 1 is ignored) and becomes idle.
  ASSERT_TRUE(Suspend(r0, v1::SUSPEND_CAUSE_PEER_FAILED, 90, 95).ok());
  ASSERT_TRUE(Finish(r0, 0).ok());
  EXPECT_EQ(Generation(), 2);
}

TEST_F(CoordinatorRegroupTest, CoordinatorRestartDuringARegroupConvergesToOneGeneration) {
  auto g = StartGroup(ElasticSpec(2, 3, 3), 3);
  FakeWorker &r0 = *g[0], &r1 = *g[1], &r2 = *g[2];
  const v1::Assignment gen1_of_r0 = *r0.current;
  ASSERT_TRUE(Suspend(r0, v1::SUSPEND_CAUSE_PEER_FAILED, 100, 130).ok());
  ASSERT_TRUE(Suspend(r2, v1::SUSPEND_CAUSE_PEER_FAILED, 120, 130).ok());
  StopCoordinator();  // before anyone noticed r1 is dead
  now_ += absl::Seconds(2);
  StartCoordinator();
  EXPECT_TRUE(Reattach(r0)) << "still generation 1: the survivors keep it";
  EXPECT_TRUE(Reattach(r2));
  for (int i = 0; i < 40 && Generation() == 1; ++i) Second({&r1});
  v1::Trial t = GetTrial(trial_id_);
  ASSERT_EQ(t.generation(), 2);
  EXPECT_THAT(t.worker_ids(), ElementsAre(r2.id, r0.id));
  EXPECT_EQ(t.restarts(), 1) << "the suspension causes were stored: charged once";
  EXPECT_TRUE(t.generations(1).in_place());
  EXPECT_EQ(r2.current->in_place_step(), 120);
  EXPECT_EQ(r0.current->generation(), 2);

  // Restarted again right after the decision; r0 never saw its new assignment. It keeps its
  // commit (keep_current) and gets the newer generation's assignment again.
  StopCoordinator();
  StartCoordinator();
  r0.current = gen1_of_r0;
  EXPECT_TRUE(Reattach(r0));
  ASSERT_TRUE(r0.current.has_value());
  EXPECT_EQ(r0.current->generation(), 2);
  EXPECT_EQ(r0.current->in_place_step(), 120);
  EXPECT_TRUE(Reattach(r2));
  EXPECT_FALSE(Reattach(r1));
  for (int i = 0; i < 3; ++i) Second();
  t = GetTrial(trial_id_);
  EXPECT_EQ(t.generation(), 2);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_EQ(t.restarts(), 1);
}

}  // namespace
}  // namespace cascade::coordinator::testing
