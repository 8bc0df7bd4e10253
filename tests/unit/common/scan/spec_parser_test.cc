// The scan-spec parser: the shipped example parses into the values it states, defaults are the
// documented ones, and every bad spec is rejected with a message that starts with its field path.
#include "common/scan/spec_parser.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/source_dir.h"
#include "tests/unit/common/scan/spec_test_util.h"

namespace cascade::scan {
namespace {

using testing::BaseSpecYaml;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::WithField;

std::string SourceDir() {
  const char* dir = cascade::testing::SourceDir();
  return dir ? dir : ".";
}

TEST(SpecParserTest, ExampleSpecParses) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpecFile(SourceDir() + "/deploy/examples/scan.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "3dgan-lr-batch-asha");
  ASSERT_TRUE(spec->data.simulate.has_value());
  EXPECT_EQ(spec->data.simulate->events, 20000);
  EXPECT_EQ(spec->data.simulate->files, 10);
  EXPECT_DOUBLE_EQ(spec->data.simulate->energy_min_gev, 2);
  EXPECT_DOUBLE_EQ(spec->data.simulate->energy_max_gev, 500);
  EXPECT_EQ(spec->model.filters, ModelFilters::kOriginal);
  EXPECT_EQ(spec->model.bn_axis, ModelBnAxis::kLast);
  ASSERT_EQ(spec->hyperparameters.count("lr"), 1u);
  const Hyperparameter& lr = spec->hyperparameters.at("lr");
  EXPECT_EQ(lr.type, HyperparameterType::kLog);
  EXPECT_DOUBLE_EQ(lr.min, 1e-4);
  EXPECT_DOUBLE_EQ(lr.max, 1e-2);
  EXPECT_EQ(lr.grid_count, 3);
  const Hyperparameter& bce = spec->hyperparameters.at("loss_weight_bce");
  EXPECT_EQ(bce.type, HyperparameterType::kConst);
  EXPECT_EQ(bce.value, HparamValue(int64_t{2}));
  EXPECT_EQ(spec->hyperparameters.at("batch_per_worker").values.size(), 3u);
  EXPECT_EQ(spec->searcher.kind, SearcherKind::kAsha);
  EXPECT_EQ(spec->searcher.max_trials, 16);
  EXPECT_EQ(spec->searcher.max_epochs, 16);
  EXPECT_EQ(spec->searcher.divisor, 4);
  EXPECT_EQ(spec->searcher.max_rungs, 3);
  EXPECT_EQ(spec->resources.min_workers, 1);
  EXPECT_EQ(spec->resources.max_workers, 2);
  EXPECT_EQ(spec->resources.max_concurrent_trials, 4);
  EXPECT_EQ(spec->checkpoint.dir, "/shared/cascade/checkpoints");
  EXPECT_EQ(spec->seed, 42u);
}

// The defaults docs/scan-spec.md promises for fields the base spec leaves out.
TEST(SpecParserTest, DocumentedDefaults) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(BaseSpecYaml());
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->model.filters, ModelFilters::kOriginal);
  EXPECT_EQ(spec->model.bn_axis, ModelBnAxis::kLast);
  EXPECT_EQ(spec->model.latent_size, 200);
  EXPECT_DOUBLE_EQ(spec->model.xscale, 100);
  EXPECT_DOUBLE_EQ(spec->data.simulate->energy_min_gev, 2);
  EXPECT_DOUBLE_EQ(spec->data.simulate->energy_max_gev, 500);
  EXPECT_EQ(spec->searcher.metric, "sampling_fraction_mre");
  EXPECT_TRUE(spec->searcher.smaller_is_better);
  EXPECT_EQ(spec->resources.min_workers, 1);
  EXPECT_EQ(spec->resources.max_workers, 1);
  EXPECT_EQ(spec->resources.max_concurrent_trials, 16);
  EXPECT_EQ(spec->checkpoint.dir, "checkpoints");
  EXPECT_EQ(spec->checkpoint.keep_latest, 1);
  EXPECT_EQ(spec->checkpoint.keep_best, 1);
  EXPECT_EQ(spec->max_restarts, 5);
  EXPECT_EQ(spec->seed, 0u);
  EXPECT_EQ(spec->training.steps_per_epoch, 0);
  EXPECT_EQ(spec->training.validation_events, 500);
  EXPECT_EQ(spec->training.checkpoint_every_steps, 0);
  EXPECT_EQ(spec->training.commit_every_steps, 50);

  absl::StatusOr<ScanSpec> asha = ParseScanSpec(WithField(BaseSpecYaml(), "searcher.name", "asha"));
  ASSERT_TRUE(asha.ok()) << asha.status();
  EXPECT_EQ(asha->searcher.max_epochs, asha->epochs);  // defaults to `epochs`
  EXPECT_EQ(asha->searcher.divisor, 4);
  EXPECT_EQ(asha->searcher.max_rungs, 5);
}

TEST(SpecParserTest, ScalarTypesOfConstAndCategorical) {
  std::string yaml = WithField(BaseSpecYaml(), "hyperparameters.opt",
                               "{type: categorical, vals: [adam, 3, 2.5, true, '7']}");
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(yaml);
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto& vals = spec->hyperparameters.at("opt").values;
  ASSERT_EQ(vals.size(), 5u);
  EXPECT_EQ(vals[0], HparamValue(std::string("adam")));
  EXPECT_EQ(vals[1], HparamValue(int64_t{3}));
  EXPECT_EQ(vals[2], HparamValue(2.5));
  EXPECT_EQ(vals[3], HparamValue(true));
}

TEST(SpecParserTest, QuotedScalarStaysString) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(
      "name: q\ndata: {simulate: {}}\nhyperparameters: {tag: '16', n: 16}\n"
      "searcher: {name: random, max_trials: 1}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->hyperparameters.at("tag").value, HparamValue(std::string("16")));
  EXPECT_EQ(spec->hyperparameters.at("n").value, HparamValue(int64_t{16}));
}

TEST(SpecParserTest, FileListsAndWorkersPerTrial) {
  std::string yaml = WithField(BaseSpecYaml(), "data", "{train: [a.h5, b.h5], validation: c.h5}");
  yaml = WithField(yaml, "resources.workers_per_trial", "3");
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(yaml);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_FALSE(spec->data.simulate.has_value());
  EXPECT_EQ(spec->data.train_files, (std::vector<std::string>{"a.h5", "b.h5"}));
  EXPECT_EQ(spec->data.validation_files, (std::vector<std::string>{"c.h5"}));
  EXPECT_EQ(spec->resources.min_workers, 3);
  EXPECT_EQ(spec->resources.max_workers, 3);
}

TEST(SpecParserTest, SyntaxErrorNamesLineAndColumn) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpec("name: x\ndata: [unclosed\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(spec.status().message()), StartsWith("YAML syntax error at line "));
}

TEST(SpecParserTest, FieldErrorNamesLine) {
  // lr is on line 5 of the base spec; its minval sits on that line too (flow mapping).
  std::string yaml = BaseSpecYaml();
  yaml.replace(yaml.find("minval: 1.0e-4"), 14, "minval: 0");
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(yaml);
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(std::string(spec.status().message()),
              StartsWith("hyperparameters.lr.minval: must be > 0 for type log (line 5, column"));
}

TEST(SpecParserTest, MissingFileIsNotFound) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpecFile("/nonexistent/scan.yaml");
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr("/nonexistent/scan.yaml"));
}

TEST(SpecParserTest, DuplicateKeyRejected) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(BaseSpecYaml() + "epochs: 3\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(std::string(spec.status().message()), StartsWith("epochs: duplicate field"));
}

TEST(SpecParserTest, NotAMapping) {
  for (const char* text : {"", "42", "[1, 2]"}) {
    absl::StatusOr<ScanSpec> spec = ParseScanSpec(text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cascade::scan
