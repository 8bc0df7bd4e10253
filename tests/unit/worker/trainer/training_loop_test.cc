// The training loop end to end on a tiny synthetic dataset: exact resume, checkpoint variant
// checks, bad inputs.
#include "worker/trainer/training_loop.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/data/shower_file.h"
#include "common/gan/checkpoint_io.h"
#include "tests/testing/synthetic_showers.h"

namespace cascade::trainer {
namespace {

namespace fs = std::filesystem;

class TrainingLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cascade_loop_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    // Three small files of showers with an exponential depth profile: 2 train, 1 validation.
    ASSERT_TRUE(testing::WriteSyntheticShowerFiles(dir_ / "data", 3, 8, 11).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  TrainingOptions Options(const std::string& out) {
    TrainingOptions o;
    o.data = {(dir_ / "data").string()};
    o.epochs = 1;
    o.batch = 2;
    o.max_steps_per_epoch = 6;
    o.validation_events = 0;
    o.prefetch = 2;
    o.out_dir = (dir_ / out).string();
    return o;
  }

  static std::vector<float> Params(const std::string& path) {
    auto ckpt = gan::ReadCheckpoint(path);
    EXPECT_TRUE(ckpt.ok()) << ckpt.status();
    std::vector<float> all;
    for (const auto& t : ckpt->tensors) all.insert(all.end(), t.data.begin(), t.data.end());
    return all;
  }

  fs::path dir_;
};

TEST_F(TrainingLoopTest, ResumingFromAStepCheckpointIsBitExact) {
  auto local = collective::MakeLocalCollective();
  TrainingOptions straight = Options("straight");
  straight.checkpoint_every_steps = 3;
  TrainingLoop a(straight, *local);
  std::vector<std::pair<std::string, int64_t>> reported;  // periodic checkpoints only
  a.on_checkpoint = [&](const std::string& path, int64_t epochs, int64_t step) {
    EXPECT_EQ(epochs, 0);
    reported.emplace_back(path, step);
  };
  ASSERT_TRUE(a.Run().ok());
  ASSERT_TRUE(fs::exists(dir_ / "straight" / "ckpt-step-00000003.h5"));
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].first, (dir_ / "straight" / "ckpt-step-00000003.h5").string());
  EXPECT_EQ(reported[0].second, 3);
  ASSERT_TRUE(fs::exists(dir_ / "straight" / "ckpt-epoch-0001.h5"));

  TrainingOptions resumed = Options("resumed");
  resumed.resume = (dir_ / "straight" / "ckpt-step-00000003.h5").string();
  TrainingLoop b(resumed, *local);
  int steps = 0;
  b.on_step = [&](const StepReport&) { ++steps; };
  ASSERT_TRUE(b.Run().ok());
  EXPECT_EQ(steps, 3);
  EXPECT_EQ(b.trainer().step(), 6);

  const auto want = Params((dir_ / "straight" / "ckpt-epoch-0001.h5").string());
  const auto got = Params((dir_ / "resumed" / "ckpt-epoch-0001.h5").string());
  ASSERT_EQ(want.size(), got.size());
  EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)));
  // And training moved the weights at all.
  const auto at3 = Params(resumed.resume);
  EXPECT_NE(0, std::memcmp(at3.data(), got.data(), got.size() * sizeof(float)));
}

TEST_F(TrainingLoopTest, RefusesACheckpointOfAnotherVariant) {
  auto local = collective::MakeLocalCollective();
  TrainingOptions first = Options("first");
  first.max_steps_per_epoch = 1;
  ASSERT_TRUE(TrainingLoop(first, *local).Run().ok());

  TrainingOptions other = Options("other");
  other.model.bn_axis = nn::BnAxis::kChannel;
  other.resume = (dir_ / "first" / "ckpt-epoch-0001.h5").string();
  absl::Status s = TrainingLoop(other, *local).Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("bn_axis=last"), std::string::npos) << s;
  EXPECT_NE(s.message().find("ckpt-epoch-0001.h5"), std::string::npos) << s;
}

TEST_F(TrainingLoopTest, TruncatedCheckpointIsAClearError) {
  auto local = collective::MakeLocalCollective();
  const fs::path bad = dir_ / "truncated.h5";
  std::ofstream(bad) << "\x89HDF\r\n\x1a\n not really";
  TrainingOptions o = Options("t");
  o.resume = bad.string();
  absl::Status s = TrainingLoop(o, *local).Run();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("truncated.h5"), std::string::npos) << s;
}

TEST_F(TrainingLoopTest, ValidatesEveryEpochAndWritesMetrics) {
  auto local = collective::MakeLocalCollective();
  TrainingOptions o = Options("v");
  o.max_steps_per_epoch = 2;
  o.epochs = 2;
  o.validation_events = 8;
  TrainingLoop loop(o, *local);
  std::vector<EpochReport> reports;
  loop.on_epoch = [&](const EpochReport& r) { reports.push_back(r); };
  ASSERT_TRUE(loop.Run().ok());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[1].validated);
  EXPECT_TRUE(std::isfinite(reports[1].validation.sf_mre));
  std::ifstream metrics(dir_ / "v" / "metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) ++lines;
  EXPECT_EQ(lines, 2);
}

TEST_F(TrainingLoopTest, ShouldStopEndsAfterThatStepAndCheckpointsThere) {
  auto local = collective::MakeLocalCollective();
  TrainingOptions o = Options("stopped");
  TrainingLoop loop(o, *local);
  int steps = 0;
  loop.on_step = [&](const StepReport&) { ++steps; };
  bool epoch_reported = false;
  loop.on_epoch = [&](const EpochReport&) { epoch_reported = true; };
  loop.should_stop = [&] { return steps == 2; };
  ASSERT_TRUE(loop.Run().ok());
  EXPECT_TRUE(loop.stopped());
  EXPECT_EQ(steps, 2);
  EXPECT_FALSE(epoch_reported);
  auto path = loop.CheckpointNow();
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_TRUE(fs::exists(*path)) << *path;

  // Resuming from it runs exactly the remaining steps of the epoch.
  TrainingOptions rest = Options("rest");
  rest.resume = *path;
  TrainingLoop resumed(rest, *local);
  int more = 0;
  resumed.on_step = [&](const StepReport&) { ++more; };
  ASSERT_TRUE(resumed.Run().ok());
  EXPECT_FALSE(resumed.stopped());
  EXPECT_EQ(more, o.max_steps_per_epoch - 2);
}

TEST_F(TrainingLoopTest, AStopAtTheEpochsLastStepStillClosesTheEpoch) {
  // The cursor already points at the next epoch: skipping the epoch-end work here would lose
  // this epoch's validation for good (a regroup resumes from the next epoch).
  auto local = collective::MakeLocalCollective();
  TrainingOptions o = Options("stop-at-end");
  o.epochs = 2;
  o.validation_events = 8;
  TrainingLoop loop(o, *local);
  int steps = 0;
  loop.on_step = [&](const StepReport&) { ++steps; };
  std::vector<EpochReport> epochs;
  loop.on_epoch = [&](const EpochReport& r) { epochs.push_back(r); };
  loop.should_stop = [&] { return steps == o.max_steps_per_epoch; };
  ASSERT_TRUE(loop.Run().ok());
  EXPECT_TRUE(loop.stopped());
  EXPECT_EQ(steps, o.max_steps_per_epoch);
  ASSERT_EQ(epochs.size(), 1u);  // epoch 1 closed, epoch 2 never started
  EXPECT_EQ(epochs[0].epoch, 0);
  EXPECT_TRUE(epochs[0].validated);
  EXPECT_TRUE(fs::exists(dir_ / "stop-at-end" / "ckpt-epoch-0001.h5"));
}

}  // namespace
}  // namespace cascade::trainer
