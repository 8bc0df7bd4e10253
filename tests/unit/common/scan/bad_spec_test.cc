// A table of invalid specs, each a one-field change of a valid base spec. Every rejection must be
// InvalidArgument and start with the offending field's path, then say why.
#include <string>

#include "common/scan/spec_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/common/scan/spec_test_util.h"

namespace cascade::scan {
namespace {

struct BadSpec {
  const char* path;      // field changed in the base spec
  const char* value;     // its new YAML value ("~delete" removes it)
  const char* expected;  // expected start of the error message: "<field path>: <why>"
};

// Cases that also need another field changed first (e.g. the grid searcher).
struct BadSpecWithSetup {
  BadSpec setup;
  BadSpec bad;
};

const BadSpec kBadSpecs[] = {
    {"name", "~delete", "name: required"},
    {"name", "''", "name: must be 1-200 characters"},
    {"epochs", "0", "epochs: must be >= 1"},
    {"epochs", "two", "epochs: must be an integer"},
    {"epoch", "3", "epoch: unknown field"},
    {"max_restarts", "-1", "max_restarts: must be >= 0"},
    {"max_restarts_per_trial", "-2", "max_restarts_per_trial: must be >= 0"},
    {"seed", "-5", "seed: must be a non-negative integer"},
    {"data", "~delete", "data: required"},
    {"data", "[a.h5]", "data: must be a mapping"},
    {"data", "{train: [a.h5]}", "data.validation: required with train files"},
    {"data", "{validation: [a.h5]}", "data.train: required"},
    {"data.train", "[a.h5]", "data.simulate: give either simulate or train/validation"},
    {"data.simulate.files", "1", "data.simulate.files: must be >= 2"},
    {"data.simulate.events", "lots", "data.simulate.events: must be an integer"},
    {"data.simulate.events", "1", "data.simulate.events: must be >= files"},
    {"data.simulate.energy_range_gev", "[500, 2]", "data.simulate.energy_range_gev: must satisfy"},
    {"data.simulate.energy_range_gev", "[1, 2, 3]",
     "data.simulate.energy_range_gev: must be a list"},
    {"data.simulate.sede", "1", "data.simulate.sede: unknown field"},
    {"model.filters", "32", "model.filters: must be original, 16 or tiny"},
    {"model.bn_axis", "depth", "model.bn_axis: must be channel or last"},
    {"model.latent_size", "0", "model.latent_size: must be in [1, 4096]"},
    {"model.xscale", "-1", "model.xscale: must be > 0"},
    {"model.xscale", ".nan", "model.xscale: must be a finite number"},
    {"model.filtrs", "16", "model.filtrs: unknown field"},
    {"training.steps_per_epoch", "-1", "training.steps_per_epoch: must be >= 0"},
    {"training.validation_events", "-3", "training.validation_events: must be >= 0"},
    {"training.checkpoint_every_steps", "-1", "training.checkpoint_every_steps: must be >= 0"},
    {"training.commit_every_steps", "0", "training.commit_every_steps: must be >= 1"},
    {"training.steps", "5", "training.steps: unknown field"},
    {"hyperparameters", "[1, 2]", "hyperparameters: must be a mapping"},
    {"hyperparameters.lr", "{type: log, minval: 0, maxval: 1}",
     "hyperparameters.lr.minval: must be > 0 for type log"},
    {"hyperparameters.lr", "{type: double, minval: 2, maxval: 1}",
     "hyperparameters.lr.maxval: must be >= minval"},
    {"hyperparameters.lr", "-0.1", "hyperparameters.lr: must be a number > 0"},
    {"hyperparameters.lr", "{type: uniform, minval: 1, maxval: 2}",
     "hyperparameters.lr.type: must be one of const, int, double, log, categorical"},
    {"hyperparameters.lr", "{minval: 1, maxval: 2}", "hyperparameters.lr.type: required"},
    {"hyperparameters.lr", "[1, 2]", "hyperparameters.lr: must be a value or a mapping"},
    {"hyperparameters.x", "{type: int, minval: 1}", "hyperparameters.x.maxval: required"},
    {"hyperparameters.x", "{type: int, minval: 1.5, maxval: 3}",
     "hyperparameters.x.minval: must be an integer"},
    {"hyperparameters.x", "{type: int, minval: 1, maxval: 1.0e18}",
     "hyperparameters.x.maxval: must be an integer"},
    {"hyperparameters.x", "{type: int, minval: 0, maxval: 100000000000000000}",
     "hyperparameters.x.maxval: must be within +-2^53"},
    {"hyperparameters.x", "{type: int, minval: 1, maxval: 3, step: 1}",
     "hyperparameters.x.step: unknown field"},
    {"hyperparameters.x", "{type: int, minval: 1, maxval: 3, count: 0}",
     "hyperparameters.x.count: must be in [1, 100000]"},
    {"hyperparameters.x", "{type: categorical, vals: []}",
     "hyperparameters.x.vals: must be a non-empty list"},
    {"hyperparameters.x", "{type: categorical, vals: [1, [2]]}",
     "hyperparameters.x.vals[1]: must be a scalar value"},
    {"hyperparameters.x", "{type: const}", "hyperparameters.x.val: required"},
    {"hyperparameters.batch_per_worker", "0",
     "hyperparameters.batch_per_worker: must be an integer >= 1"},
    {"hyperparameters.batch_per_worker", "{type: double, minval: 1, maxval: 8}",
     "hyperparameters.batch_per_worker: must be an integer >= 1"},
    {"hyperparameters.loss_weight_ep", "{type: categorical, vals: [0.1, -1]}",
     "hyperparameters.loss_weight_ep: must be a number >= 0"},
    {"searcher", "~delete", "searcher: required"},
    {"searcher.name", "bayes", "searcher.name: must be grid, random or asha"},
    {"searcher.max_trials", "~delete", "searcher.max_trials: required"},
    {"searcher.max_trials", "0", "searcher.max_trials: must be in [1, 100000]"},
    {"searcher.divisor", "2", "searcher.divisor: only used by the asha searcher"},
    {"searcher.smaller_is_better", "maybe", "searcher.smaller_is_better: must be true or false"},
    {"searcher.metric", "''", "searcher.metric: must not be empty"},
    {"resources.workers_per_trial", "0", "resources.workers_per_trial: must be >= 1"},
    {"resources.max_concurrent_trials", "0", "resources.max_concurrent_trials: must be >= 1"},
    {"resources", "{min_workers: 3, max_workers: 2}",
     "resources.max_workers: must be >= min_workers"},
    {"resources", "{workers_per_trial: 2, min_workers: 1}",
     "resources.min_workers: give either workers_per_trial or min/max_workers"},
    {"checkpoint.keep_latest", "0", "checkpoint.keep_latest: must be >= 1"},
    {"checkpoint.keep_best", "-1", "checkpoint.keep_best: must be >= 0"},
    {"checkpoint.dir", "''", "checkpoint.dir: must not be empty"},
};

const BadSpecWithSetup kBadSpecsWithSetup[] = {
    {{"searcher", "{name: grid}", ""},
     {"hyperparameters.lr", "{type: log, minval: 1.0e-4, maxval: 1.0e-2}",
      "hyperparameters.lr.count: required for the grid searcher"}},
    {{"searcher", "{name: grid}", ""},
     {"searcher.max_trials", "3", "searcher.max_trials: not used by the grid searcher"}},
    {{"searcher", "{name: grid}", ""},
     {"hyperparameters",
      "{a: {type: int, minval: 0, maxval: 1000, count: 1000}, "
      "b: {type: double, minval: 0, maxval: 1, count: 1000}}",
      "hyperparameters: grid has more than 100000 points"}},
    {{"searcher.name", "asha", ""}, {"searcher.divisor", "1", "searcher.divisor: must be >= 2"}},
    {{"searcher.name", "asha", ""},
     {"searcher.max_rungs", "0", "searcher.max_rungs: must be in [1, 32]"}},
    {{"searcher.name", "asha", ""},
     {"searcher.max_epochs", "0", "searcher.max_epochs: must be >= 1"}},
};

void ExpectRejected(const std::string& yaml, const BadSpec& bad) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(yaml);
  ASSERT_FALSE(spec.ok()) << bad.path << " = " << bad.value << " was accepted:\n" << yaml;
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(spec.status().message()), ::testing::StartsWith(bad.expected))
      << bad.path << " = " << bad.value;
}

TEST(BadSpecTest, EachErrorNamesFieldPath) {
  ASSERT_TRUE(ParseScanSpec(testing::BaseSpecYaml()).ok());
  for (const BadSpec& bad : kBadSpecs) {
    ExpectRejected(testing::WithField(testing::BaseSpecYaml(), bad.path, bad.value), bad);
  }
}

TEST(BadSpecTest, ErrorsThatDependOnTheSearcher) {
  for (const BadSpecWithSetup& c : kBadSpecsWithSetup) {
    const std::string base =
        testing::WithField(testing::WithField(testing::BaseSpecYaml(), c.setup.path, c.setup.value),
                           "hyperparameters", "{}");
    ASSERT_TRUE(ParseScanSpec(base).ok()) << base;  // the setup alone is valid
    ExpectRejected(testing::WithField(base, c.bad.path, c.bad.value), c.bad);
  }
}

}  // namespace
}  // namespace cascade::scan
