// Assignment -> TrainingOptions mapping, data file expansion, failure classification, the
// simulated-data cache and step aggregation.
#include "worker/agent/assignment_options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "worker/agent/simulated_data.h"
#include "worker/agent/trial_reports.h"

namespace cascade::worker {
namespace {

namespace fs = std::filesystem;

v1::Assignment Full() {
  v1::Assignment a;
  a.set_trial_id("t-9");
  a.set_generation(2);
  a.set_rank(1);
  a.set_world_size(4);
  auto& h = *a.mutable_hparams();
  h["lr"].set_double_value(2.5e-4);
  h["batch_per_worker"].set_int_value(16);
  h["loss_weight_bce"].set_double_value(3);
  h["loss_weight_ep"].set_int_value(1);
  h["loss_weight_ecal"].set_double_value(0.25);
  h["unrelated"].set_string_value("passed through");
  a.set_seed(77);
  a.mutable_model()->set_filters(v1::MODEL_FILTERS_MULTIPLE_OF_16);
  a.mutable_model()->set_bn_axis(v1::BATCH_NORM_AXIS_CHANNEL);
  a.mutable_model()->set_latent_size(128);
  a.mutable_model()->set_xscale(1);
  a.set_max_epochs(7);
  a.set_resume_checkpoint("/ckpt/t-9/ckpt-epoch-0003.h5");
  a.set_checkpoint_dir("/ckpt/t-9");
  a.set_steps_per_epoch(300);
  a.set_validation_events(250);
  a.set_checkpoint_every_steps(100);
  return a;
}

TEST(ToTrainingOptionsTest, MapsEveryField) {
  auto o = ToTrainingOptions(Full(), {"/data/a.h5"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->data, std::vector<std::string>{"/data/a.h5"});
  EXPECT_DOUBLE_EQ(o->lr, 2.5e-4);
  EXPECT_EQ(o->batch, 16);
  EXPECT_EQ(o->model.loss_weights, (std::array<float, 3>{3.f, 1.f, 0.25f}));
  EXPECT_EQ(o->model.filters, gan::Filters::kMultipleOf16);
  EXPECT_EQ(o->model.bn_axis, nn::BnAxis::kChannel);
  EXPECT_EQ(o->model.latent_size, 128);
  EXPECT_FLOAT_EQ(o->model.xscale, 1.f);
  EXPECT_EQ(o->epochs, 7);
  EXPECT_EQ(o->max_steps_per_epoch, 300);
  EXPECT_EQ(o->validation_events, 250);
  EXPECT_EQ(o->checkpoint_every_steps, 100);
  EXPECT_EQ(o->out_dir, "/ckpt/t-9");
  EXPECT_EQ(o->resume, "/ckpt/t-9/ckpt-epoch-0003.h5");
  EXPECT_EQ(o->seed, 77u);
}

TEST(ToTrainingOptionsTest, MapsTheTinyVariant) {
  v1::Assignment a = Full();
  a.mutable_model()->set_filters(v1::MODEL_FILTERS_TINY);
  auto o = ToTrainingOptions(a, {});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->model.filters, gan::Filters::kTiny);
}

TEST(ToTrainingOptionsTest, UnsetFieldsKeepTheDefaults) {
  v1::Assignment a;
  a.set_max_epochs(1);
  auto o = ToTrainingOptions(a, {});
  ASSERT_TRUE(o.ok()) << o.status();
  const trainer::TrainingOptions defaults;
  EXPECT_EQ(o->lr, defaults.lr);
  EXPECT_EQ(o->batch, defaults.batch);
  EXPECT_EQ(o->model.loss_weights, defaults.model.loss_weights);
  EXPECT_EQ(o->model.latent_size, defaults.model.latent_size);
  EXPECT_EQ(o->model.filters, defaults.model.filters);
  EXPECT_EQ(o->max_steps_per_epoch, -1);  // one pass over the files
}

TEST(ToTrainingOptionsTest, RejectsBadValuesNamingThem) {
  struct Case {
    std::function<void(v1::Assignment&)> edit;
    std::string name;
  };
  const std::vector<Case> cases = {
      {[](v1::Assignment& a) { (*a.mutable_hparams())["lr"].set_string_value("fast"); }, "lr"},
      {[](v1::Assignment& a) { (*a.mutable_hparams())["lr"].set_double_value(0); }, "lr"},
      {[](v1::Assignment& a) { (*a.mutable_hparams())["batch_per_worker"].set_double_value(2.5); },
       "batch_per_worker"},
      {[](v1::Assignment& a) { (*a.mutable_hparams())["batch_per_worker"].set_int_value(0); },
       "batch_per_worker"},
      {[](v1::Assignment& a) { (*a.mutable_hparams())["loss_weight_ep"].set_double_value(-1); },
       "loss_weight_ep"},
      {[](v1::Assignment& a) { a.set_max_epochs(0); }, "max_epochs"},
      {[](v1::Assignment& a) { a.set_steps_per_epoch(-1); }, "steps_per_epoch"},
  };
  for (const auto& c : cases) {
    v1::Assignment a = Full();
    c.edit(a);
    auto o = ToTrainingOptions(a, {});
    ASSERT_FALSE(o.ok()) << c.name;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(o.status().message().find(c.name), std::string::npos) << o.status();
  }
}

TEST(ExpandDataFilesTest, ExpandsGlobsAndKeepsPlainPaths) {
  const fs::path dir = fs::temp_directory_path() / ("cascade_glob_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const char* name : {"b.h5", "a.h5", "c.txt"}) std::ofstream(dir / name) << "x";
  v1::DataSource data;
  data.add_train_files((dir / "*.h5").string());
  data.add_validation_files("/plain/valid.h5");
  auto files = ExpandDataFiles(data);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(*files, (std::vector<std::string>{(dir / "a.h5").string(), (dir / "b.h5").string(),
                                              "/plain/valid.h5"}));
  data.add_train_files((dir / "*.none").string());
  auto missing = ExpandDataFiles(data);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("*.none"), std::string::npos);
  fs::remove_all(dir);
}

TEST(FailureKindForTest, ClassifiesTrainerErrors) {
  EXPECT_EQ(FailureKindFor(absl::UnavailableError("rank 1 of 2: lost peer rank 0")),
            v1::FAILURE_KIND_PEER_LOST);
  EXPECT_EQ(FailureKindFor(absl::DataLossError("training step 3: non-finite loss")),
            v1::FAILURE_KIND_NON_FINITE);
  EXPECT_EQ(FailureKindFor(absl::InternalError("checkpoint '/c/x.h5': HDF5 error")),
            v1::FAILURE_KIND_CHECKPOINT);
  EXPECT_EQ(FailureKindFor(absl::NotFoundError("/data/x.h5: no such file")), v1::FAILURE_KIND_DATA);
  EXPECT_EQ(FailureKindFor(absl::InternalError("oneDNN said no")), v1::FAILURE_KIND_INTERNAL);
}

TEST(SimulatedDataTest, OneDirectoryPerBlockAndReuse) {
  const fs::path cache = fs::temp_directory_path() / ("cascade_sim_" + std::to_string(::getpid()));
  v1::SimulatedData block;
  block.set_events(6);
  block.set_files(2);
  block.set_energy_min_gev(10);
  block.set_energy_max_gev(20);
  block.set_seed(4);
  v1::SimulatedData other = block;
  other.set_seed(5);
  EXPECT_EQ(SimulatedDataDir(block, cache.string()), SimulatedDataDir(block, cache.string()));
  EXPECT_NE(SimulatedDataDir(block, cache.string()), SimulatedDataDir(other, cache.string()));

  auto dir = EnsureSimulatedData(block, cache.string(), 1);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, SimulatedDataDir(block, cache.string()));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(*dir)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"EleEscan_0.h5", "EleEscan_1.h5"}));
  // Nothing but the dataset is left in the cache (the temporary directory was renamed).
  EXPECT_EQ(std::distance(fs::directory_iterator(cache), fs::directory_iterator()), 1);
  const auto written = fs::last_write_time(fs::path(*dir) / "EleEscan_0.h5");
  auto again = EnsureSimulatedData(block, cache.string(), 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(fs::last_write_time(fs::path(*again) / "EleEscan_0.h5"), written);

  block.set_events(1);  // fewer events than files
  EXPECT_EQ(EnsureSimulatedData(block, cache.string(), 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  fs::remove_all(cache);
}

TEST(StepAggregatorTest, FirstStepReportsAndLaterOnesAverage) {
  v1::Assignment a = Full();
  StepAggregator agg(a, 16, std::chrono::seconds(1));
  trainer::StepReport r;
  r.compute_seconds = 0.5;
  r.losses.d_real.total = 1;
  r.step = 1;
  const auto t0 = StepAggregator::Clock::now();
  auto first = agg.Add(r, t0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->step_metrics().metrics().steps_aggregated(), 1);
  EXPECT_FLOAT_EQ(first->step_metrics().metrics().samples_per_second(), 16 * 4 / 0.5);
  r.step = 2;
  r.losses.d_real.total = 2;
  EXPECT_FALSE(agg.Add(r, t0 + std::chrono::milliseconds(100)).has_value());
  r.step = 3;
  r.losses.d_real.total = 4;
  auto second = agg.Add(r, t0 + std::chrono::milliseconds(1100));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->step_metrics().metrics().steps_aggregated(), 2);
  EXPECT_EQ(second->step_metrics().metrics().step(), 3);
  EXPECT_FLOAT_EQ(second->step_metrics().metrics().discriminator_loss_real(), 3.f);
  EXPECT_FALSE(agg.Flush(t0 + std::chrono::seconds(2)).has_value());
}

}  // namespace
}  // namespace cascade::worker
