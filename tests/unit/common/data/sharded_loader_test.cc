#include "common/data/sharded_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

#include "common/data/shower_file.h"
#include "tests/unit/common/data/h5_fixtures.h"

namespace cascade::data {
namespace {

using testing::MakeTaggedShowers;
using testing::TagOf;
using testing::TempDir;

constexpr float kXscale = 100.0f;

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

std::vector<int64_t> Tags(const Batch& b) {
  std::vector<int64_t> tags;
  for (int64_t i = 0; i < b.n; ++i)
    tags.push_back(TagOf(b.images.data() + i * kShowerSize, kXscale));
  return tags;
}

LoaderOptions Options(int64_t batch, int rank, int world, int prefetch = 2) {
  LoaderOptions o;
  o.batch_size = batch;
  o.rank = rank;
  o.world = world;
  o.seed = 42;
  o.prefetch = prefetch;
  o.preprocess.xscale = kXscale;
  return o;
}

TEST(ShardedLoaderTest, EpochVisitsEveryEventOnceAcrossRanks) {
  TempDir dir;
  const auto ranges = WriteRanges(dir);  // 23 events; world 3 x batch 2 = 6 -> 3 batches, 5 dropped
  std::vector<std::vector<int64_t>> epoch_tags(2);
  for (int rank = 0; rank < 3; ++rank) {
    auto loader = ShardedLoader::Create(ranges, Options(2, rank, 3));
    ASSERT_TRUE(loader.ok()) << loader.status();
    ASSERT_EQ((*loader)->num_batches_per_epoch(), 3);
    for (int epoch = 0; epoch < 2; ++epoch) {
      for (int b = 0; b < 3; ++b) {
        auto batch = (*loader)->Next();
        ASSERT_TRUE(batch.ok()) << batch.status();
        for (int64_t t : Tags(*batch)) epoch_tags[epoch].push_back(t);
      }
    }
  }
  for (auto& tags : epoch_tags) {
    ASSERT_EQ(tags.size(), 18u);
    std::set<int64_t> unique(tags.begin(), tags.end());
    EXPECT_EQ(unique.size(), 18u);  // no event twice within an epoch
    EXPECT_GE(*unique.begin(), 0);
    EXPECT_LT(*unique.rbegin(), 23);
  }
  EXPECT_NE(epoch_tags[0], epoch_tags[1]);  // reshuffled every epoch
}

TEST(ShardedLoaderTest, PreprocessesCellsEnergyAndSum) {
  TempDir dir;
  auto loader = ShardedLoader::Create(WriteRanges(dir), Options(4, 0, 1));
  ASSERT_TRUE(loader.ok());
  auto batch = (*loader)->Next();
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->n, 4);
  ASSERT_EQ(batch->images.size(), 4u * kShowerSize);
  for (int64_t i = 0; i < 4; ++i) {
    const float* img = batch->images.data() + i * kShowerSize;
    const int64_t tag = TagOf(img, kXscale);
    EXPECT_EQ(img[0], 0.0f);  // 2e-7 GeV is below the 1e-6 threshold
    EXPECT_FLOAT_EQ(batch->ecal_sum[i], (tag + 1) * 1e-3f * kXscale);
    EXPECT_FLOAT_EQ(batch->energy_over_100[i], 10.0f * (tag + 1) / 100.0f);
    EXPECT_FLOAT_EQ(batch->energy_gev[i], 10.0f * (tag + 1));
  }
}

TEST(ShardedLoaderTest, SeekResumesAtTheSameBatchAndPrefetchDoesNotChangeOrder) {
  TempDir dir;
  const auto ranges = WriteRanges(dir);
  auto sync = ShardedLoader::Create(ranges, Options(3, 1, 2, /*prefetch=*/0));
  auto ahead = ShardedLoader::Create(ranges, Options(3, 1, 2, /*prefetch=*/3));
  ASSERT_TRUE(sync.ok() && ahead.ok());
  std::vector<std::vector<int64_t>> seen;
  std::vector<LoaderCursor> cursors;
  Batch reused;
  for (int i = 0; i < 7; ++i) {  // crosses the epoch boundary (3 batches per epoch)
    cursors.push_back((*sync)->cursor());
    auto a = (*sync)->Next();
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE((*ahead)->Next(reused).ok());
    EXPECT_EQ(Tags(*a), Tags(reused));
    seen.push_back(Tags(*a));
  }
  EXPECT_EQ(cursors[4], (LoaderCursor{1, 1}));
  ASSERT_TRUE((*ahead)->Seek(cursors[4]).ok());
  for (int i = 4; i < 7; ++i) {
    ASSERT_TRUE((*ahead)->Next(reused).ok());
    EXPECT_EQ(Tags(reused), seen[i]);
  }
  EXPECT_FALSE((*ahead)->Seek({0, 3}).ok());
}

TEST(ShardedLoaderTest, DifferentSeedsGiveDifferentOrders) {
  TempDir dir;
  const auto ranges = WriteRanges(dir);
  LoaderOptions other = Options(5, 0, 1);
  other.seed = 43;
  auto a = ShardedLoader::Create(ranges, Options(5, 0, 1));
  auto b = ShardedLoader::Create(ranges, other);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ba = (*a)->Next();
  auto bb = (*b)->Next();
  EXPECT_NE(Tags(*ba), Tags(*bb));
}

TEST(ShardedLoaderTest, BadCellSurfacesAsErrorNamingFileAndEvent) {
  TempDir dir;
  ShowerSet s = MakeTaggedShowers(4);
  s.ecal[2 * kShowerSize + 10] = std::numeric_limits<float>::quiet_NaN();
  const std::string path = dir.File("EleEscan_bad.h5");
  ASSERT_TRUE(WriteShowerFile(path, s).ok());
  auto loader = ShardedLoader::Create({{path, 0, 4}}, Options(4, 0, 1));
  ASSERT_TRUE(loader.ok());
  Batch batch;
  for (int attempt = 0; attempt < 2; ++attempt) {  // the error repeats, it does not hang
    absl::Status st = (*loader)->Next(batch);
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(std::string(st.message()),
                ::testing::AllOf(::testing::HasSubstr(path), ::testing::HasSubstr("ECAL event 2"),
                                 ::testing::HasSubstr("NaN")));
  }
}

TEST(ShardedLoaderTest, RejectsTooFewEventsAndBadOptions) {
  TempDir dir;
  const auto ranges = WriteRanges(dir);
  EXPECT_EQ(ShardedLoader::Create(ranges, Options(12, 0, 2)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ShardedLoader::Create(ranges, Options(2, 2, 2)).ok());
  EXPECT_FALSE(ShardedLoader::Create({{ranges[0].path, 0, 99}}, Options(2, 0, 1)).ok());
}

}  // namespace
}  // namespace cascade::data
