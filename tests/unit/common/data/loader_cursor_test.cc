// LoaderCursor across a change of the global batch (elastic groups): the rebase arithmetic, the
// stored JSON (old cursors still load), and that a real epoch read by a group of 3 and then, after
// a rebase, by a group of 2 reads every event of the permutation once, in the fixed order.
#include "common/data/loader_cursor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/data/sharded_loader.h"
#include "common/data/shower_file.h"
#include "tests/unit/common/data/h5_fixtures.h"

namespace cascade::data {
namespace {

using testing::MakeTaggedShowers;
using testing::TagOf;
using testing::TempDir;

constexpr float kXscale = 100.0f;

TEST(LoaderCursorTest, RebaseKeepsThePermutationPositionAndStepCount) {
  // 23 events, G = 6 -> 3 batches; after 2 batches position 12.
  const LoaderCursor at6{0, 2, 0, 0};
  EXPECT_EQ(CursorOffset(at6, 6), 12);
  EXPECT_EQ(BatchesInEpoch(at6, 23, 6), 3);
  const LoaderCursor at4 = Rebase(at6, 23, 6, 4);
  EXPECT_EQ(at4, (LoaderCursor{0, 2, 2, 12}));
  EXPECT_EQ(CursorOffset(at4, 4), 12);
  EXPECT_EQ(BatchesInEpoch(at4, 23, 4), 2 + 11 / 4);
  // One more step at G = 4, then back to G = 6: 16 read, 7 left -> one more batch of 6.
  const LoaderCursor next{0, 3, 2, 12};
  EXPECT_EQ(Rebase(next, 23, 4, 6), (LoaderCursor{0, 3, 3, 16}));
  EXPECT_EQ(BatchesInEpoch(Rebase(next, 23, 4, 6), 23, 6), 4);
  // Fewer than a new global batch left: the rest is the dropped tail, the next epoch starts.
  EXPECT_EQ(Rebase(at6, 23, 6, 12), (LoaderCursor{1, 0, 0, 0}));
  // Same size or an epoch start: unchanged.
  EXPECT_EQ(Rebase(at6, 23, 6, 6), at6);
  EXPECT_EQ(Rebase(LoaderCursor{3, 0, 0, 0}, 23, 6, 4), (LoaderCursor{3, 0, 0, 0}));
}

TEST(LoaderCursorTest, JsonRoundTripAndOldCursorsWithoutBase) {
  const LoaderCursor c{4, 9, 7, 123};
  auto back = CursorFromJson(CursorToJson(c, 48), "x.h5");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cursor, c);
  EXPECT_EQ(back->global_batch, 48);

  auto old = CursorFromJson(R"({"epoch":2,"batch":5})", "old.h5");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->cursor, (LoaderCursor{2, 5, 0, 0}));
  EXPECT_EQ(old->global_batch, 0);  // unknown: the reader assumes its own

  for (const char* bad : {"", "{}", "[1,2]", R"({"epoch":1})", R"({"epoch":"1","batch":0})",
                          R"({"epoch":1,"batch":-2})", R"({"epoch":1,"batch":2,"base_batch":3})"}) {
    auto s = CursorFromJson(bad, "bad.h5");
    EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("bad.h5")) << bad;
  }
}

// Three files of 7, 5 and 11 events tagged 0..22.
std::vector<EventRange> WriteRanges(const TempDir& dir) {
  std::vector<EventRange> ranges;
  int64_t offset = 0;
  int k = 0;
  for (int64_t n : {7, 5, 11}) {
    const std::string path = dir.File("EleEscan_" + std::to_string(k++) + ".h5");
    EXPECT_TRUE(WriteShowerFile(path, MakeTaggedShowers(n, offset)).ok());
    ranges.push_back({path, 0, n});
    offset += n;
  }
  return ranges;
}

LoaderOptions Options(int64_t batch, int rank, int world) {
  LoaderOptions o;
  o.batch_size = batch;
  o.rank = rank;
  o.world = world;
  o.seed = 42;
  o.prefetch = 2;
  o.preprocess.xscale = kXscale;
  return o;
}

// Reads `batches` global batches of a group of `world` × `batch`, starting at `at`; appends the
// tags in global order (batch by batch, rank by rank) and returns the cursor after them.
LoaderCursor ReadGroup(const std::vector<EventRange>& ranges, int64_t batch, int world,
                       LoaderCursor at, int64_t batches, std::vector<int64_t>& tags) {
  std::vector<std::unique_ptr<ShardedLoader>> group;
  for (int r = 0; r < world; ++r) {
    auto loader = ShardedLoader::Create(ranges, Options(batch, r, world));
    EXPECT_TRUE(loader.ok()) << loader.status();
    EXPECT_TRUE((*loader)->Seek(at).ok()) << at.batch;
    group.push_back(std::move(*loader));
  }
  Batch b;
  for (int64_t i = 0; i < batches; ++i) {
    for (auto& loader : group) {
      EXPECT_TRUE(loader->Next(b).ok());
      for (int64_t k = 0; k < b.n; ++k) {
        tags.push_back(TagOf(b.images.data() + k * kShowerSize, kXscale));
      }
    }
  }
  return group[0]->cursor();
}

TEST(LoaderCursorTest, EpochAcrossAWorldChangeReadsThePermutationOnce) {
  TempDir dir;
  const auto ranges = WriteRanges(dir);
  // The epoch's permutation itself: one rank, batch 1 reads P_0 in order.
  std::vector<int64_t> permutation;
  ReadGroup(ranges, 1, 1, {}, 23, permutation);
  ASSERT_EQ(std::set<int64_t>(permutation.begin(), permutation.end()).size(), 23u);

  // World 3 x batch 2 (G = 6) for 2 batches, then world 2 x batch 2 (G = 4) from a rebased cursor.
  std::vector<int64_t> tags;
  const LoaderCursor at3 = ReadGroup(ranges, 2, 3, {}, 2, tags);
  ASSERT_EQ(at3, (LoaderCursor{0, 2, 0, 0}));
  auto probe = ShardedLoader::Create(ranges, Options(2, 0, 2));
  ASSERT_TRUE(probe.ok());
  const LoaderCursor at2 = (*probe)->Rebase(at3, 6);
  const int64_t left = (*probe)->batches_in_epoch(at2) - at2.batch;
  ASSERT_EQ(left, (23 - 12) / 4);
  const LoaderCursor end = ReadGroup(ranges, 2, 2, at2, left, tags);
  EXPECT_EQ(end, (LoaderCursor{1, 0, 0, 0}));  // the epoch ended after 2 + 2 steps

  // Exactly the permutation's first 12 + 8 positions, in order: none twice, none skipped; the
  // dropped tail is the last 3 (a fixed world-2 epoch would drop 3 as well, world 3 drops 5).
  ASSERT_EQ(tags.size(), 20u);
  EXPECT_EQ(tags, std::vector<int64_t>(permutation.begin(), permutation.begin() + 20));

  // Without the rebase the world-2 group would have re-read positions 8..11.
  std::vector<int64_t> naive;
  ReadGroup(ranges, 2, 2, at3, 1, naive);
  EXPECT_EQ(naive, std::vector<int64_t>(permutation.begin() + 8, permutation.begin() + 12));
}

TEST(LoaderCursorTest, SeekChecksTheCursorsOwnEpochLength) {
  TempDir dir;
  auto loader = ShardedLoader::Create(WriteRanges(dir), Options(2, 0, 2));  // G = 4, 5 batches
  ASSERT_TRUE(loader.ok());
  EXPECT_EQ((*loader)->global_batch(), 4);
  EXPECT_EQ((*loader)->num_batches_per_epoch(), 5);
  // Based at position 18 after 3 steps: one batch (18..21) is left, so batch 3 is valid, 4 is not.
  EXPECT_EQ((*loader)->batches_in_epoch({0, 3, 3, 18}), 4);
  EXPECT_TRUE((*loader)->Seek({0, 3, 3, 18}).ok());
  EXPECT_FALSE((*loader)->Seek({0, 4, 3, 18}).ok());
  EXPECT_FALSE((*loader)->Seek({0, 2, 3, 18}).ok());  // before its base
  EXPECT_FALSE((*loader)->Seek({0, 3, 3, 20}).ok());  // 3 events left
  // After that batch the loader starts the next epoch with the plain layout.
  Batch b;
  ASSERT_TRUE((*loader)->Seek({0, 3, 3, 18}).ok());
  ASSERT_TRUE((*loader)->Next(b).ok());
  EXPECT_EQ((*loader)->cursor(), (LoaderCursor{1, 0, 0, 0}));
}

}  // namespace
}  // namespace cascade::data
