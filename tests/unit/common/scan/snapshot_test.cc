// Snapshot -> Restore mid-run (a coordinator restart) yields exactly the actions an uninterrupted
// run produces, for every search method and at many restart points.
#include <memory>

#include "common/scan/searcher/make_search_method.h"
#include "common/scan/searcher/simulation.h"
#include "gtest/gtest.h"
#include "tests/unit/common/scan/searcher_test_util.h"

namespace cascade::scan {
namespace {

using testing::MustParse;

std::string SpecFor(const std::string& searcher) {
  return "name: s\ndata: {simulate: {}}\nseed: 9\nepochs: 4\n"
         "hyperparameters:\n"
         "  lr: {type: log, minval: 1.0e-4, maxval: 1.0e-1, count: 3}\n"
         "  b: {type: categorical, vals: [8, 16, 32]}\n"
         "searcher: " +
         searcher + "\nresources: {max_concurrent_trials: 3}\n";
}

double Objective(const Create& c, int epoch) {
  const double lr = std::get<double>(c.hparams.at("lr"));
  return std::abs(std::log10(lr) + 2.5) + 1.0 / epoch + 1e-6 * static_cast<double>(c.seed % 1000);
}

// Trial 4 crashes once, so restores also happen around a failure.
bool Fails(const Create& c, int epoch) { return c.request_id == 4 && epoch == 2; }

class SnapshotTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SnapshotTest, RestoreMidRunGivesIdenticalActions) {
  const ScanSpec spec = MustParse(SpecFor(GetParam()));
  std::unique_ptr<SearchMethod> reference = MakeSearchMethod(spec);
  Simulation uninterrupted(reference.get(), Objective, Fails);
  ASSERT_TRUE(uninterrupted.Start().ok());
  ASSERT_TRUE(uninterrupted.Run().ok());
  const std::vector<Action>& expected = uninterrupted.actions();
  ASSERT_TRUE(std::holds_alternative<Shutdown>(expected.back()));

  int64_t total_steps = 0;
  {
    std::unique_ptr<SearchMethod> counter = MakeSearchMethod(spec);
    Simulation sim(counter.get(), Objective, Fails);
    ASSERT_TRUE(sim.Start().ok());
    while (*sim.Step()) ++total_steps;
  }
  ASSERT_GT(total_steps, 10);

  for (int64_t restart_at = 0; restart_at <= total_steps; restart_at += 3) {
    std::unique_ptr<SearchMethod> before = MakeSearchMethod(spec);
    Simulation sim(before.get(), Objective, Fails);
    ASSERT_TRUE(sim.Start().ok());
    for (int64_t i = 0; i < restart_at; ++i) ASSERT_TRUE(sim.Step().ok());

    // What a coordinator stores, as text, then loads into a searcher built from the spec alone.
    const std::string stored = before->Snapshot().dump();
    before.reset();
    std::unique_ptr<SearchMethod> after = MakeSearchMethod(spec);
    ASSERT_TRUE(after->Restore(nlohmann::json::parse(stored)).ok());
    EXPECT_EQ(after->Snapshot().dump(), stored);
    sim.ReplaceSearcher(after.get());
    ASSERT_TRUE(sim.Run().ok());
    ASSERT_EQ(sim.actions().size(), expected.size()) << "restart after step " << restart_at;
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(sim.actions()[i], expected[i])
          << "restart after step " << restart_at << ", action " << i << ": "
          << ActionToString(sim.actions()[i]) << " vs " << ActionToString(expected[i]);
    }
  }
}

TEST_P(SnapshotTest, RejectsForeignAndMalformedSnapshots) {
  const ScanSpec spec = MustParse(SpecFor(GetParam()));
  std::unique_ptr<SearchMethod> searcher = MakeSearchMethod(spec);
  for (const char* bad :
       {R"({})", R"({"searcher": "other", "pool": {}})", R"([1, 2])",
        R"({"searcher": "grid", "pool": {"rng": "x", "trials": [], "shutdown_sent": false}})",
        R"({"searcher": "random", "pool": {"rng": 5}})",
        R"({"searcher": "asha", "milestones": "x"})"}) {
    const absl::Status status = searcher->Restore(nlohmann::json::parse(bad));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad << " -> " << status;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllSearchers, SnapshotTest,
    ::testing::Values("{name: grid}", "{name: random, max_trials: 10}",
                      "{name: asha, max_trials: 14, divisor: 2, max_rungs: 3}"),
    [](const auto& info) { return std::to_string(info.index); });

}  // namespace
}  // namespace cascade::scan
