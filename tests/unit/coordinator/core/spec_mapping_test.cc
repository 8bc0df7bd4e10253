// Pure helpers of coordinator/core: spec -> wire mapping, metric lookup, checkpoint GC policy.
#include "coordinator/core/spec_mapping.h"

#include <cmath>
#include <limits>

#include "coordinator/core/checkpoint_gc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::coordinator {
namespace {

using ::testing::UnorderedElementsAre;

TEST(SpecMapping, HparamsKeepTheirType) {
  scan::Hparams h = {{"a", int64_t{3}}, {"b", 0.5}, {"c", std::string("x")}, {"d", true}};
  google::protobuf::Map<std::string, v1::HparamValue> out;
  HparamsToProto(h, &out);
  EXPECT_EQ(out["a"].int_value(), 3);
  EXPECT_EQ(out["b"].double_value(), 0.5);
  EXPECT_EQ(out["c"].string_value(), "x");
  EXPECT_TRUE(out["d"].bool_value());
  EXPECT_EQ(out["d"].kind_case(), v1::HparamValue::kBoolValue);
}

TEST(SpecMapping, DataAndModel) {
  scan::DataSpec data;
  data.simulate = scan::SimulateSpec{};
  data.simulate->events = 123;
  data.simulate->seed = 9;
  v1::DataSource src = DataSourceFromSpec(data);
  EXPECT_TRUE(src.has_simulate());
  EXPECT_EQ(src.simulate().events(), 123);
  EXPECT_EQ(src.simulate().seed(), 9u);
  scan::DataSpec files;
  files.train_files = {"a.h5", "b*.h5"};
  files.validation_files = {"v.h5"};
  src = DataSourceFromSpec(files);
  EXPECT_FALSE(src.has_simulate());
  EXPECT_EQ(src.train_files_size(), 2);
  scan::ModelSpec model;
  model.filters = scan::ModelFilters::kMultipleOf16;
  model.bn_axis = scan::ModelBnAxis::kChannel;
  v1::ModelVariant mv = ModelVariantFromSpec(model);
  EXPECT_EQ(mv.filters(), v1::MODEL_FILTERS_MULTIPLE_OF_16);
  EXPECT_EQ(mv.bn_axis(), v1::BATCH_NORM_AXIS_CHANNEL);
  // Every variant keeps its name on the wire (tiny once silently trained the multiple-of-16 model).
  for (auto [spec, wire] : {std::pair{scan::ModelFilters::kOriginal, v1::MODEL_FILTERS_ORIGINAL},
                            std::pair{scan::ModelFilters::kTiny, v1::MODEL_FILTERS_TINY}}) {
    model.filters = spec;
    EXPECT_EQ(ModelVariantFromSpec(model).filters(), wire);
  }
}

TEST(SpecMapping, CheckpointDir) {
  scan::ScanSpec spec;
  spec.checkpoint.dir = "ckpts";
  EXPECT_EQ(TrialCheckpointDir(spec, "/data", "s-1", "t-2"), "/data/ckpts/s-1/t-2");
  EXPECT_EQ(TrialCheckpointDir(spec, "", "s-1", "t-2"), "ckpts/s-1/t-2");
  spec.checkpoint.dir = "/shared/c/";
  EXPECT_EQ(TrialCheckpointDir(spec, "/data", "s-1", "t-2"), "/shared/c/s-1/t-2");
}

TEST(SpecMapping, ValidationMetricLookup) {
  v1::ValidationMetrics m;
  m.set_sampling_fraction_mre(0.3);
  m.set_generator_loss(2.0);
  (*m.mutable_observables())["shower_depth_w1"] = 1.5;
  EXPECT_EQ(*ValidationMetric(m, "sampling_fraction_mre"), 0.3);
  EXPECT_EQ(*ValidationMetric(m, "shower_depth_w1"), 1.5);
  EXPECT_EQ(*ValidationMetric(m, "generator_loss"), 2.0);
  EXPECT_FALSE(ValidationMetric(m, "nope").has_value());
  EXPECT_TRUE(MetricBetter(1, 2, true));
  EXPECT_FALSE(MetricBetter(1, 2, false));
  EXPECT_FALSE(MetricBetter(std::nan(""), 2, true));
  EXPECT_TRUE(MetricBetter(5, std::numeric_limits<double>::infinity(), true));
}

TEST(SpecMapping, TimestampRoundTrip) {
  const absl::Time t = absl::FromUnixMillis(-1500);
  EXPECT_EQ(TimeFromProto(TimeToProto(t)), t);
  EXPECT_GE(TimeToProto(t).nanos(), 0);
}

v1::Checkpoint Ckpt(const std::string& id, int64_t step, std::optional<double> metric) {
  v1::Checkpoint c;
  c.set_id(id);
  c.set_step(step);
  if (metric) {
    c.set_has_metric(true);
    c.set_metric(*metric);
  }
  return c;
}

TEST(CheckpointGc, KeepsUnionOfLatestAndBest) {
  std::vector<v1::Checkpoint> all = {Ckpt("c1", 10, 0.1), Ckpt("c2", 20, 0.5),
                                     Ckpt("c3", 30, std::nullopt), Ckpt("c4", 40, 0.3)};
  EXPECT_THAT(CheckpointsToDelete(all, 1, 1, true, "c4"), UnorderedElementsAre("c2", "c3"));
  EXPECT_THAT(CheckpointsToDelete(all, 2, 0, true, "c4"), UnorderedElementsAre("c1", "c2"));
  // Larger is better: c2 is the best.
  EXPECT_THAT(CheckpointsToDelete(all, 1, 1, false, "c4"), UnorderedElementsAre("c1", "c3"));
  // The protected (latest recorded) one survives even with keep_latest 0.
  EXPECT_THAT(CheckpointsToDelete(all, 0, 0, true, "c3"), UnorderedElementsAre("c1", "c2", "c4"));
}

TEST(CheckpointGc, IsUnderDirectory) {
  EXPECT_TRUE(IsUnderDirectory("/a/b/c.h5", "/a/b"));
  EXPECT_TRUE(IsUnderDirectory("/a/b/x/c.h5", "/a/b/"));
  EXPECT_FALSE(IsUnderDirectory("/a/b", "/a/b"));
  EXPECT_FALSE(IsUnderDirectory("/a/bc/c.h5", "/a/b"));
  EXPECT_FALSE(IsUnderDirectory("/a/b/../c.h5", "/a/b"));
  EXPECT_FALSE(IsUnderDirectory("/etc/passwd", "/a/b"));
  EXPECT_FALSE(IsUnderDirectory("", "/a/b"));
  EXPECT_FALSE(IsUnderDirectory("b/c.h5", "/a/b"));
}

}  // namespace
}  // namespace cascade::coordinator
