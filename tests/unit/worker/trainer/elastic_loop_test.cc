// Elastic-group support of the training loop on the tiny model: an in-memory commit restores
// exactly like a disk checkpoint (also into another world size), and real Gloo groups (threads in
// this process) that shrink from 3 ranks to 2 — with rank 1 of the new group joining with no state
// — end bit-identical to the one-process ghost-batch reference that went through the same change.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include "common/data/loader_cursor.h"
#include "common/data/shower_file.h"
#include "common/gan/checkpoint_io.h"
#include "tests/testing/synthetic_showers.h"
#include "tests/unit/worker/collective/group_harness.h"
#include "worker/trainer/training_loop.h"

namespace cascade::trainer {
namespace {

namespace fs = std::filesystem;
using CommitPtr = std::shared_ptr<const gan::Checkpoint>;

constexpr int kFiles = 4;  // 3 train, 1 held out
constexpr int64_t kEventsPerFile = 8;
constexpr int64_t kTrainEvents = (kFiles - 1) * kEventsPerFile;
constexpr int64_t kBatch = 2;       // per (virtual) rank
constexpr int64_t kSwitchStep = 2;  // the world changes after this step

class ElasticLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cascade_elastic_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    ASSERT_TRUE(testing::WriteSyntheticShowerFiles(dir_ / "data", kFiles, kEventsPerFile, 5).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  TrainingOptions Options(int ghost, const std::string& out = "") {
    TrainingOptions o;
    o.data = {(dir_ / "data").string()};
    o.model.filters = gan::Filters::kTiny;
    o.epochs = 1;
    o.batch = kBatch;
    o.ghost_batches = ghost;
    o.warmup_epochs = 1;  // the LR ramp is active across the change
    o.validation_events = 0;
    o.prefetch = 2;
    o.seed = 3;
    if (!out.empty()) o.out_dir = (dir_ / out).string();
    return o;
  }

  fs::path dir_;
};

// Everything a commit holds must match bit for bit, except the stored cursor's global batch when
// the commits were taken by different (but equivalent) layouts — callers say so.
void ExpectSameState(const gan::Checkpoint& a, const gan::Checkpoint& b, const std::string& what) {
  EXPECT_EQ(a.step, b.step) << what;
  ASSERT_EQ(a.tensors.size(), b.tensors.size()) << what;
  int differing = 0;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& x = a.tensors[i];
    const auto& y = b.tensors[i];
    EXPECT_EQ(x.name, y.name);
    if (x.data.size() != y.data.size() ||
        std::memcmp(x.data.data(), y.data.data(), x.data.size() * sizeof(float)) != 0) {
      if (++differing <= 3) ADD_FAILURE() << what << ": tensor " << x.name << " differs";
    }
  }
  EXPECT_EQ(differing, 0) << what;
  EXPECT_EQ(a.strings.at("rng"), b.strings.at("rng")) << what;
  EXPECT_EQ(a.scalars, b.scalars) << what;
  auto ca = data::CursorFromJson(a.strings.at("data_cursor"), what);
  auto cb = data::CursorFromJson(b.strings.at("data_cursor"), what);
  ASSERT_TRUE(ca.ok() && cb.ok());
  EXPECT_EQ(ca->cursor, cb->cursor) << what;
}

// A one-process run that stops after `kSwitchStep` with its commit; `out` also gets the step's
// disk checkpoint (returned through `path`).
CommitPtr RunToSwitch(TrainingOptions o, std::string* path = nullptr) {
  auto local = collective::MakeLocalCollective();
  o.commit_every_steps = kSwitchStep;
  TrainingLoop loop(o, *local);
  std::vector<CommitPtr> commits;
  loop.on_commit = [&](CommitPtr c) { commits.push_back(std::move(c)); };
  loop.should_stop = [&] { return loop.trainer().step() == kSwitchStep; };
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_TRUE(loop.stopped());
  // The start state and the step-2 state.
  EXPECT_EQ(commits.size(), 2u);
  if (commits.size() != 2) return nullptr;
  EXPECT_EQ(commits[0]->step, 0);
  EXPECT_EQ(commits[1]->step, kSwitchStep);
  auto now = loop.CommitNow();
  EXPECT_TRUE(now.ok());
  ExpectSameState(**now, *commits[1], "CommitNow after stop vs on_commit");
  if (path) {
    auto p = loop.CheckpointNow();
    EXPECT_TRUE(p.ok()) << p.status();
    *path = *p;
  }
  return commits[1];
}

struct Finished {
  CommitPtr state;
  int64_t start_step = 0, steps = 0;
};

Finished RunToEnd(TrainingOptions o, collective::Collective& group) {
  TrainingLoop loop(o, group);
  Finished f;
  loop.on_step = [&](const StepReport&) { ++f.steps; };
  const absl::Status st = loop.Run();
  EXPECT_TRUE(st.ok()) << st;
  if (!st.ok()) return f;
  f.start_step = loop.start_step();
  auto c = loop.CommitNow();
  EXPECT_TRUE(c.ok());
  f.state = *c;
  return f;
}

// Steps after the switch: the rest of the epoch at G = 4 from position kSwitchStep·6 (3 steps;
// without the rebase the cursor would replay positions 8..11 and run 4).
constexpr int64_t kStepsAfterSwitch = (kTrainEvents - kSwitchStep * 3 * kBatch) / (2 * kBatch);

TEST_F(ElasticLoopTest, InMemoryCommitResumesLikeTheDiskCheckpointAcrossAWorldChange) {
  std::string path;
  CommitPtr commit = RunToSwitch(Options(3, "three"), &path);
  ASSERT_NE(commit, nullptr);
  auto local = collective::MakeLocalCollective();

  TrainingOptions from_memory = Options(2);
  from_memory.resume_state = commit;
  const Finished a = RunToEnd(from_memory, *local);
  TrainingOptions from_disk = Options(2);
  from_disk.resume = path;
  const Finished b = RunToEnd(from_disk, *local);
  ASSERT_TRUE(a.state && b.state);
  EXPECT_EQ(a.start_step, kSwitchStep);
  EXPECT_EQ(a.steps, kStepsAfterSwitch);  // the cursor was rebased, not replayed or skipped
  EXPECT_EQ(b.steps, kStepsAfterSwitch);
  ExpectSameState(*a.state, *b.state, "memory vs disk resume");

  // lr_scale is applied: the trajectory changes.
  TrainingOptions halved = Options(2);
  halved.resume_state = commit;
  halved.lr_scale = 0.5;
  const Finished h = RunToEnd(halved, *local);
  ASSERT_TRUE(h.state);
  EXPECT_EQ(h.steps, a.steps);
  EXPECT_NE(0, std::memcmp(h.state->tensors[0].data.data(), a.state->tensors[0].data.data(),
                           a.state->tensors[0].data.size() * sizeof(float)));
}

TEST_F(ElasticLoopTest, GroupOf3ShrinksTo2WithAJoinerAndMatchesTheGhostReference) {
  // Reference: ghost 3 up to the switch, ghost 2 from its commit to the end.
  CommitPtr ref_commit = RunToSwitch(Options(3));
  ASSERT_NE(ref_commit, nullptr);
  auto local = collective::MakeLocalCollective();
  TrainingOptions ref_rest = Options(2);
  ref_rest.resume_state = ref_commit;
  const Finished reference = RunToEnd(ref_rest, *local);
  ASSERT_TRUE(reference.state);

  // A real group of 3 up to the switch: every rank commits the same state, equal to ghost 3's.
  std::vector<CommitPtr> at_switch(3);
  collective::testing::RunGroup(3, collective::GlooOptions::Algorithm::kRankOrdered,
                                [&](int rank, collective::Collective& group) {
                                  TrainingOptions o = Options(1);
                                  o.commit_every_steps = kSwitchStep;
                                  TrainingLoop loop(o, group);
                                  loop.on_commit = [&](CommitPtr c) {
                                    if (c->step == kSwitchStep) at_switch[rank] = std::move(c);
                                  };
                                  loop.should_stop = [&] {
                                    return loop.trainer().step() == kSwitchStep;
                                  };
                                  const absl::Status st = loop.Run();
                                  EXPECT_TRUE(st.ok()) << "rank " << rank << ": " << st;
                                });
  for (int r = 0; r < 3; ++r) ASSERT_NE(at_switch[r], nullptr) << r;
  ExpectSameState(*at_switch[1], *at_switch[0], "rank 1 vs rank 0 at the switch");
  ExpectSameState(*at_switch[2], *at_switch[0], "rank 2 vs rank 0 at the switch");
  ExpectSameState(*at_switch[0], *ref_commit, "group of 3 vs ghost 3 at the switch");

  // The survivors re-form as 2: rank 0 restores its commit; rank 1 has nothing (a joiner).
  std::vector<CommitPtr> start(2);
  std::vector<Finished> end(2);
  collective::testing::RunGroup(2, collective::GlooOptions::Algorithm::kRankOrdered,
                                [&](int rank, collective::Collective& group) {
                                  TrainingOptions o = Options(1);
                                  if (rank == 0) o.resume_state = at_switch[0];
                                  TrainingLoop loop(o, group);
                                  Finished& f = end[rank];
                                  loop.on_commit = [&](CommitPtr c) {
                                    if (!start[rank]) start[rank] = std::move(c);
                                  };
                                  loop.on_step = [&](const StepReport&) { ++f.steps; };
                                  const absl::Status st = loop.Run();
                                  ASSERT_TRUE(st.ok()) << "rank " << rank << ": " << st;
                                  f.start_step = loop.start_step();
                                  f.state = *loop.CommitNow();
                                });
  for (int r = 0; r < 2; ++r) ASSERT_TRUE(start[r] && end[r].state) << r;
  // After the sync the joiner holds rank 0's whole state: weights, optimizer, step, RNG, cursor.
  ExpectSameState(*start[1], *start[0], "joiner vs rank 0 after the sync");
  EXPECT_EQ(end[1].start_step, kSwitchStep);
  EXPECT_EQ(end[1].steps, kStepsAfterSwitch);
  ExpectSameState(*end[1].state, *end[0].state, "rank 1 vs rank 0 at the end");
  ExpectSameState(*end[0].state, *reference.state, "group 3 -> 2 vs ghost 3 -> 2");
}

TEST_F(ElasticLoopTest, RejectsANonPositiveLrScaleAndNegativeCommitInterval) {
  auto local = collective::MakeLocalCollective();
  TrainingOptions zero = Options(1);
  zero.lr_scale = 0;
  absl::Status st = TrainingLoop(zero, *local).Run();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  TrainingOptions negative = Options(1);
  negative.commit_every_steps = -1;
  st = TrainingLoop(negative, *local).Run();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  // Before any state exists there is nothing to commit.
  TrainingLoop idle(Options(1), *local);
  EXPECT_EQ(idle.CommitNow().status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cascade::trainer
