// The pure pieces of elastic groups: GroupPlanner (who re-forms the group, who syncs from whom),
// HostCooldown and StragglerTracker. No clock but the times passed in.
#include "coordinator/core/group_planner.h"

#include "coordinator/core/host_cooldown.h"
#include "coordinator/core/straggler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::coordinator {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Action = RegroupPlan::Action;

GroupMember Suspended(const std::string& id, int rank, int64_t step) {
  return {id, rank, MemberStatus::kSuspended, step};
}
GroupMember Departed(const std::string& id, int rank) {
  return {id, rank, MemberStatus::kDeparted, 0};
}
GroupMember Silent(const std::string& id, int rank) {
  return {id, rank, MemberStatus::kUnaccounted, 0};
}

TEST(GroupPlannerTest, WaitsWhileAMemberIsUnaccountedFor) {
  RegroupInput in{{Suspended("a", 0, 100), Silent("b", 1), Departed("c", 2)}, {"x"}, 2, 3, false};
  const RegroupPlan plan = PlanRegroup(in);
  EXPECT_EQ(plan.action, Action::kWait);
  EXPECT_THAT(plan.worker_ids, IsEmpty());
  EXPECT_THAT(plan.excluded, IsEmpty());
}

TEST(GroupPlannerTest, NewestCommitBecomesRankZeroOthersKeepRankOrder) {
  RegroupInput in{{Suspended("a", 0, 100), Suspended("b", 1, 150), Departed("c", 2),
                   Suspended("d", 3, 100), Suspended("e", 4, 150)},
                  {},
                  2,
                  5,
                  false};
  const RegroupPlan plan = PlanRegroup(in);
  ASSERT_EQ(plan.action, Action::kInPlace);
  // b and e tie at 150: the lower old rank (b) syncs everyone; then a, d, e by old rank.
  EXPECT_THAT(plan.worker_ids, ElementsAre("b", "a", "d", "e"));
  EXPECT_EQ(plan.in_place_step, 150);
  EXPECT_EQ(plan.survivors, 4);
}

TEST(GroupPlannerTest, JoinersFillUpToTheCapInTheGivenOrder) {
  RegroupInput in{{Suspended("a", 0, 40), Departed("b", 1)}, {"x", "y", "z"}, 2, 3, false};
  RegroupPlan plan = PlanRegroup(in);
  ASSERT_EQ(plan.action, Action::kInPlace);
  EXPECT_THAT(plan.worker_ids, ElementsAre("a", "x", "y"));
  EXPECT_EQ(plan.survivors, 1);
  EXPECT_EQ(plan.in_place_step, 40);
  in.joiner_cap = 1;  // pending trials keep the idle workers; min 2 not reached
  EXPECT_EQ(PlanRegroup(in).action, Action::kWait);
}

TEST(GroupPlannerTest, BelowMinWaitsThenFallsBackToDiskAtTheTimeout) {
  RegroupInput in{{Suspended("a", 0, 40), Departed("b", 1), Departed("c", 2)}, {}, 2, 3, false};
  EXPECT_EQ(PlanRegroup(in).action, Action::kWait);
  in.timed_out = true;
  const RegroupPlan plan = PlanRegroup(in);
  EXPECT_EQ(plan.action, Action::kFromDisk);
  EXPECT_THAT(plan.worker_ids, IsEmpty());
  in.timed_out = false;
  in.idle_workers = {"x"};  // a worker registered meanwhile
  EXPECT_EQ(PlanRegroup(in).action, Action::kInPlace);
}

TEST(GroupPlannerTest, NoCommitMeansDisk) {
  EXPECT_EQ(PlanRegroup({{Departed("a", 0), Departed("b", 1)}, {"x", "y"}, 1, 2, false}).action,
            Action::kFromDisk);
  EXPECT_EQ(PlanRegroup({{Suspended("a", 0, 0), Departed("b", 1)}, {"x"}, 1, 2, false}).action,
            Action::kFromDisk);
}

TEST(GroupPlannerTest, TimeoutExcludesSilentMembers) {
  RegroupInput in{{Silent("a", 0), Suspended("b", 1, 70), Silent("c", 2)}, {"x"}, 1, 3, true};
  const RegroupPlan plan = PlanRegroup(in);
  ASSERT_EQ(plan.action, Action::kInPlace);
  EXPECT_THAT(plan.excluded, ElementsAre("a", "c"));
  EXPECT_THAT(plan.worker_ids, ElementsAre("b", "x"));
  // Nobody suspended in time (a hung group): everyone excluded, back to disk.
  const RegroupPlan hung = PlanRegroup({{Silent("a", 0), Silent("b", 1)}, {}, 1, 2, true});
  EXPECT_EQ(hung.action, Action::kFromDisk);
  EXPECT_THAT(hung.excluded, ElementsAre("a", "b"));
}

TEST(HostCooldownTest, ThreeFailuresWithinTheWindowCoolTheHostForAWhile) {
  HostCooldown c;
  const absl::Time t0 = absl::FromUnixSeconds(1000000);
  EXPECT_FALSE(c.NoteFailure("n1", t0));
  EXPECT_FALSE(c.NoteFailure("n1", t0 + absl::Minutes(4)));
  EXPECT_FALSE(c.NoteFailure("n2", t0 + absl::Minutes(5)));
  EXPECT_FALSE(c.CoolingDown("n1", t0 + absl::Minutes(5)));
  EXPECT_TRUE(c.NoteFailure("n1", t0 + absl::Minutes(9)));
  EXPECT_TRUE(c.CoolingDown("n1", t0 + absl::Minutes(9)));
  EXPECT_FALSE(c.CoolingDown("n2", t0 + absl::Minutes(9)));
  EXPECT_TRUE(c.CoolingDown("n1", t0 + absl::Minutes(9) + kHostCooldown - absl::Seconds(1)));
  EXPECT_FALSE(c.CoolingDown("n1", t0 + absl::Minutes(9) + kHostCooldown));
}

TEST(HostCooldownTest, FailuresSpreadBeyondTheWindowDoNotCool) {
  HostCooldown c;
  const absl::Time t0 = absl::FromUnixSeconds(1000000);
  EXPECT_FALSE(c.NoteFailure("n1", t0));
  EXPECT_FALSE(c.NoteFailure("n1", t0 + absl::Minutes(6)));
  EXPECT_FALSE(c.NoteFailure("n1", t0 + absl::Minutes(11)));  // the first one expired
  EXPECT_FALSE(c.CoolingDown("n1", t0 + absl::Minutes(11)));
  EXPECT_TRUE(c.NoteFailure("n1", t0 + absl::Minutes(12)));
}

TEST(StragglerTrackerTest, FlagsAfterAStreakOfSlowHeartbeatsAndClearsAfterNormalOnes) {
  StragglerTracker s;
  EXPECT_FALSE(s.Observe(2.0, {1.0, 1.0}));
  EXPECT_FALSE(s.Observe(2.0, {1.0, 1.1}));
  EXPECT_FALSE(s.Observe(1.0, {1.0, 1.0}));  // the streak breaks
  EXPECT_FALSE(s.Observe(2.0, {1.0, 1.0}));
  EXPECT_FALSE(s.Observe(2.0, {1.0, 1.0}));
  EXPECT_FALSE(s.flagged());
  EXPECT_TRUE(s.Observe(2.0, {1.0, 1.0}));
  EXPECT_TRUE(s.flagged());
  EXPECT_FALSE(s.Observe(1.4, {1.0, 1.0}));  // within 1.5x: normal
  EXPECT_FALSE(s.Observe(1.0, {1.0}));
  EXPECT_TRUE(s.Observe(1.0, {1.0, 1.0, 5.0}));
  EXPECT_FALSE(s.flagged());
  EXPECT_FALSE(s.Observe(9.0, {}));  // nobody to compare with
}

}  // namespace
}  // namespace cascade::coordinator
