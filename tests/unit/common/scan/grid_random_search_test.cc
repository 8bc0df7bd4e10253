// Grid expansion and random search: counts, coverage, determinism, concurrency.
#include <set>

#include "common/scan/searcher/grid_search.h"
#include "common/scan/searcher/random_search.h"
#include "common/scan/searcher/simulation.h"
#include "common/scan/spec_parser.h"
#include "gtest/gtest.h"
#include "tests/unit/common/scan/searcher_test_util.h"

namespace cascade::scan {
namespace {

using testing::MustParse;

const char kGridSpec[] = R"(name: grid
data: {simulate: {}}
hyperparameters:
  depth: {type: int, minval: 1, maxval: 3, count: 3}
  opt: {type: categorical, vals: [adam, rmsprop]}
  lr: {type: log, minval: 1.0e-4, maxval: 1.0e-2, count: 4}
  beta: {type: double, minval: 0, maxval: 1, count: 2}
  tag: fixed
searcher: {name: grid}
resources: {max_concurrent_trials: 5}
epochs: 2
)";

double ObjectiveX(const Create&, int epoch) { return 1.0 / epoch; }

TEST(GridSearchTest, ExpandsTheFullProductOnce) {
  const ScanSpec spec = MustParse(kGridSpec);
  EXPECT_EQ(GridSize(spec), 3 * 2 * 4 * 2);
  GridSearch grid(spec);
  absl::StatusOr<std::map<int64_t, SimulatedTrial>> trials = Simulate(grid, ObjectiveX);
  ASSERT_TRUE(trials.ok()) << trials.status();
  ASSERT_EQ(static_cast<int64_t>(trials->size()), GridSize(spec));
  std::set<std::string> points;
  std::set<double> lrs;
  for (const auto& [id, t] : *trials) {
    points.insert(HparamsToJson(t.create.hparams).dump());
    lrs.insert(std::get<double>(t.create.hparams.at("lr")));
    EXPECT_EQ(t.create.hparams.at("tag"), HparamValue(std::string("fixed")));
    EXPECT_EQ(t.epochs_trained, spec.epochs);
    EXPECT_FALSE(t.stopped);
  }
  EXPECT_EQ(points.size(), trials->size());  // no point twice
  ASSERT_EQ(lrs.size(), 4u);                 // log grid: 1e-4, ~4.6e-4, ~2.2e-3, 1e-2
  EXPECT_DOUBLE_EQ(*lrs.begin(), 1e-4);
  EXPECT_DOUBLE_EQ(*lrs.rbegin(), 1e-2);
  const std::vector<double> l(lrs.begin(), lrs.end());
  EXPECT_NEAR(l[1] / l[0], l[2] / l[1], 1e-9);  // evenly spaced in log space
}

TEST(GridSearchTest, IntGridDropsDuplicatePoints) {
  const ScanSpec spec = MustParse(
      "name: g\ndata: {simulate: {}}\nsearcher: {name: grid}\n"
      "hyperparameters: {n: {type: int, minval: 1, maxval: 3, count: 10}}\n");
  EXPECT_EQ(GridSize(spec), 3);
  EXPECT_EQ(GridSearch(spec).size(), 3);
}

TEST(GridSearchTest, RespectsConcurrencyAndShutsDownOnce) {
  GridSearch grid(MustParse(kGridSpec));
  absl::StatusOr<std::vector<Action>> first = grid.InitialTrials();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 5u);  // max_concurrent_trials
  // Exiting one trial frees exactly one slot.
  absl::StatusOr<std::vector<Action>> next = grid.TrialExited(1, false);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(std::get<Create>((*next)[0]).request_id, 6);
  EXPECT_EQ(grid.TrialExited(1, false).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(grid.ValidationCompleted(999, 1, 0.5).status().code(),
            absl::StatusCode::kFailedPrecondition);

  GridSearch fresh(MustParse(kGridSpec));
  Simulation full(&fresh, ObjectiveX);
  ASSERT_TRUE(full.Start().ok());
  ASSERT_TRUE(full.Run().ok());
  int shutdowns = 0;
  for (const Action& a : full.actions()) shutdowns += std::holds_alternative<Shutdown>(a);
  EXPECT_EQ(shutdowns, 1);
  EXPECT_TRUE(std::holds_alternative<Shutdown>(full.actions().back()));
}

const char kRandomSpec[] = R"(name: random
data: {simulate: {}}
hyperparameters:
  n: {type: int, minval: -2, maxval: 2}
  lr: {type: log, minval: 1.0e-5, maxval: 1.0e-1}
  w: {type: double, minval: 0.5, maxval: 0.75}
  opt: {type: categorical, vals: [a, b, c]}
searcher: {name: random, max_trials: 400}
resources: {max_concurrent_trials: 7}
seed: 5
)";

std::vector<Action> RunAll(SearchMethod& searcher) {
  Simulation sim(&searcher, ObjectiveX);
  EXPECT_TRUE(sim.Start().ok());
  EXPECT_TRUE(sim.Run().ok());
  return sim.actions();
}

TEST(RandomSearchTest, SameSeedSameTrials) {
  RandomSearch a(MustParse(kRandomSpec)), b(MustParse(kRandomSpec));
  const std::vector<Action> actions_a = RunAll(a);
  EXPECT_EQ(actions_a, RunAll(b));
  int creates = 0;
  for (const Action& act : actions_a) creates += std::holds_alternative<Create>(act);
  EXPECT_EQ(creates, 400);
}

TEST(RandomSearchTest, DifferentSeedDifferentTrials) {
  ScanSpec other = MustParse(kRandomSpec);
  other.seed = 6;
  RandomSearch a(MustParse(kRandomSpec)), b(other);
  EXPECT_NE(RunAll(a), RunAll(b));
}

TEST(RandomSearchTest, DrawsStayInRangeAndCoverIt) {
  RandomSearch search(MustParse(kRandomSpec));
  std::set<int64_t> ints;
  std::set<std::string> cats;
  std::set<uint64_t> seeds;
  int lr_low_decade = 0;
  for (const Action& act : RunAll(search)) {
    const auto* c = std::get_if<Create>(&act);
    if (!c) continue;
    const int64_t n = std::get<int64_t>(c->hparams.at("n"));
    const double lr = std::get<double>(c->hparams.at("lr"));
    const double w = std::get<double>(c->hparams.at("w"));
    EXPECT_GE(n, -2);
    EXPECT_LE(n, 2);
    EXPECT_GE(lr, 1e-5);
    EXPECT_LE(lr, 1e-1);
    EXPECT_GE(w, 0.5);
    EXPECT_LT(w, 0.75);
    ints.insert(n);
    cats.insert(std::get<std::string>(c->hparams.at("opt")));
    seeds.insert(c->seed);
    lr_low_decade += lr < 1e-4;
  }
  EXPECT_EQ(ints.size(), 5u);  // inclusive bounds: -2..2 all drawn in 400 tries
  EXPECT_EQ(cats.size(), 3u);
  EXPECT_EQ(seeds.size(), 400u);  // trial seeds distinct
  // Log-uniform: the lowest of 4 decades gets ~1/4 of 400 draws (a linear draw would give ~0).
  EXPECT_GT(lr_low_decade, 60);
  EXPECT_LT(lr_low_decade, 140);
}

}  // namespace
}  // namespace cascade::scan
