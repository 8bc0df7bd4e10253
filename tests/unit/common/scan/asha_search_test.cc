// ASHA through Simulate on synthetic objectives: the right trials are stopped at the right rungs.
#include "common/scan/searcher/asha_search.h"

#include <set>

#include "common/scan/searcher/simulation.h"
#include "gtest/gtest.h"
#include "tests/unit/common/scan/searcher_test_util.h"

namespace cascade::scan {
namespace {

using testing::AshaSpec;

TEST(AshaMilestonesTest, GeometricFromTheTop) {
  EXPECT_EQ(AshaMilestones(16, 4, 3), (std::vector<int>{1, 4, 16}));
  EXPECT_EQ(AshaMilestones(4, 2, 3), (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(AshaMilestones(10, 4, 5), (std::vector<int>{2, 10}));  // 10/256..10/16 < 1 dropped
  EXPECT_EQ(AshaMilestones(3, 2, 4), (std::vector<int>{1, 3}));    // 3/4 = 0, 3/2 = 1 kept once
  EXPECT_EQ(AshaMilestones(7, 3, 1), (std::vector<int>{7}));
  EXPECT_EQ(AshaMilestones(1000, 1000, 32).back(), 1000);  // no overflow in d^(R-1)
}

// Objective: a fixed metric per trial (by request id), the same at every epoch.
Objective ByRequestId(std::vector<double> metric_of) {
  return [metric_of](const Create& c, int) { return metric_of.at(c.request_id - 1); };
}

// Sequential trials (concurrency 1), divisor 2, rungs at 1, 2 and 4 epochs. Worked by hand with
// the rule "continue iff fewer than max(1, n/2) recorded values are better":
//   t1 (5): rung0 [5] keep 1, 0 better -> on; rung1 [5] -> on; completes 4 epochs.
//   t2 (3): rung0 [3 5] keep 1, 0 better -> on; rung1 [3 5] -> on; completes.
//   t3 (8): rung0 n=3 keep 1, 2 better -> stopped after 1 epoch.
//   t4 (1): rung0 n=4 keep 2, 0 better -> on; rung1 n=3 keep 1, 0 better -> on; completes.
//   t5 (6): rung0 n=5 keep 2, 3 better -> stopped after 1 epoch.
//   t6 (7): rung0 n=6 keep 3, 4 better -> stopped after 1 epoch.
//   t7 (2): rung0 n=7 keep 3, 1 better -> on; rung1 n=4 keep 2, 1 better -> on; completes.
//   t8 (4): rung0 n=8 keep 4, 3 better -> on; rung1 n=5 keep 2, 3 better -> stopped after 2.
TEST(AshaSearchTest, StopsTheRightTrialsAtTheRightRungs) {
  AshaSearch asha(AshaSpec(/*max_trials=*/8, /*max_epochs=*/4, /*divisor=*/2, /*max_rungs=*/3,
                           /*concurrency=*/1));
  ASSERT_EQ(asha.milestones(), (std::vector<int>{1, 2, 4}));
  auto trials = Simulate(asha, ByRequestId({5, 3, 8, 1, 6, 7, 2, 4}));
  ASSERT_TRUE(trials.ok()) << trials.status();
  ASSERT_EQ(trials->size(), 8u);
  const std::map<int64_t, int> expected_epochs = {{1, 4}, {2, 4}, {3, 1}, {4, 4},
                                                  {5, 1}, {6, 1}, {7, 4}, {8, 2}};
  for (const auto& [id, t] : *trials) {
    EXPECT_EQ(t.epochs_trained, expected_epochs.at(id)) << "trial " << id;
    EXPECT_EQ(t.stopped, expected_epochs.at(id) < 4) << "trial " << id;
  }
  EXPECT_EQ(asha.rung_values(0).size(), 8u);
  EXPECT_EQ(asha.rung_values(1).size(), 5u);  // t1 t2 t4 t7 t8
  EXPECT_EQ(asha.rung_values(2), (std::vector<double>{1, 2, 3, 5}));
}

TEST(AshaSearchTest, LargerIsBetterMirrorsTheDecisions) {
  // Negated metrics with smaller_is_better=false must give exactly the same stops.
  AshaSearch asha(AshaSpec(8, 4, 2, 3, 1, /*smaller_is_better=*/false));
  auto trials = Simulate(asha, ByRequestId({-5, -3, -8, -1, -6, -7, -2, -4}));
  ASSERT_TRUE(trials.ok()) << trials.status();
  std::set<int64_t> stopped;
  for (const auto& [id, t] : *trials) {
    if (t.stopped) stopped.insert(id);
  }
  EXPECT_EQ(stopped, (std::set<int64_t>{3, 5, 6, 8}));
}

TEST(AshaSearchTest, EverImprovingTrialsAreAllPromoted) {
  AshaSearch asha(AshaSpec(12, 16, 4, 3, 1));
  auto trials = Simulate(asha, [](const Create& c, int) { return 100.0 - c.request_id; });
  ASSERT_TRUE(trials.ok()) << trials.status();
  for (const auto& [id, t] : *trials) {
    EXPECT_FALSE(t.stopped) << id;
    EXPECT_EQ(t.epochs_trained, 16);
  }
}

TEST(AshaSearchTest, EverWorseningTrialsStopAtTheFirstRung) {
  AshaSearch asha(AshaSpec(12, 16, 4, 3, 1));
  auto trials = Simulate(asha, [](const Create& c, int) { return 1.0 * c.request_id; });
  ASSERT_TRUE(trials.ok()) << trials.status();
  for (const auto& [id, t] : *trials) {
    // Only the first trial is ever in the top quarter of its rung.
    EXPECT_EQ(t.stopped, id != 1) << id;
    EXPECT_EQ(t.epochs_trained, id == 1 ? 16 : 1) << id;
  }
}

TEST(AshaSearchTest, ConcurrentTrialsStopOnlyAtMilestones) {
  AshaSearch asha(AshaSpec(40, 16, 4, 3, 6));
  // Metric: a noisy function of the sampled x, improving with epochs.
  auto trials = Simulate(asha, [](const Create& c, int epoch) {
    const double x = std::get<double>(c.hparams.at("x"));
    return (x - 0.3) * (x - 0.3) + 1.0 / epoch + 1e-3 * static_cast<double>(c.seed % 7);
  });
  ASSERT_TRUE(trials.ok()) << trials.status();
  ASSERT_EQ(trials->size(), 40u);
  int stopped = 0;
  for (const auto& [id, t] : *trials) {
    if (t.stopped) {
      ++stopped;
      EXPECT_TRUE(t.epochs_trained == 1 || t.epochs_trained == 4) << id << ": " << t.epochs_trained;
    } else {
      EXPECT_EQ(t.epochs_trained, 16) << id;
    }
  }
  EXPECT_GT(stopped, 20);  // most of 40 trials are pruned with divisor 4
}

TEST(AshaSearchTest, FailedTrialsAreReplacedWithinMaxTrials) {
  AshaSearch asha(AshaSpec(6, 4, 2, 3, 2));
  auto trials = Simulate(
      asha, [](const Create& c, int) { return 1.0 * c.request_id; },
      [](const Create& c, int epoch) { return c.request_id == 2 && epoch == 1; });
  ASSERT_TRUE(trials.ok()) << trials.status();
  ASSERT_EQ(trials->size(), 6u);
  EXPECT_TRUE(trials->at(2).failed);
  EXPECT_EQ(trials->at(2).epochs_trained, 0);
}

TEST(AshaSearchTest, NonFiniteMetricRanksLast) {
  AshaSearch asha(AshaSpec(3, 4, 2, 3, 1));
  auto trials = Simulate(asha, ByRequestId({1.0, std::nan(""), 0.5}));
  ASSERT_TRUE(trials.ok()) << trials.status();
  EXPECT_TRUE(trials->at(2).stopped);
  EXPECT_FALSE(trials->at(3).stopped);
}

}  // namespace
}  // namespace cascade::scan
