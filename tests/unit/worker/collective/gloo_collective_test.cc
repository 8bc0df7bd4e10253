#include "worker/collective/gloo_collective.h"

#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/worker/collective/group_harness.h"

namespace cascade::collective {
namespace {

using testing::RunGroup;
using Algorithm = GlooOptions::Algorithm;

// Distinct, exactly representable per-rank values, so sums are exact in float.
float Value(int rank, size_t i) {
  return static_cast<float>(rank * 1000 + static_cast<int>(i % 997));
}

class GlooCollectiveTest : public ::testing::TestWithParam<std::tuple<int, size_t, Algorithm>> {
 protected:
  int world() const { return std::get<0>(GetParam()); }
  size_t count() const { return std::get<1>(GetParam()); }
  Algorithm algorithm() const { return std::get<2>(GetParam()); }
};

TEST_P(GlooCollectiveTest, AllreduceSumIsElementwiseSumOnEveryRank) {
  RunGroup(world(), algorithm(), [&](int rank, Collective& collective) {
    EXPECT_EQ(collective.rank(), rank);
    EXPECT_EQ(collective.world(), world());
    std::vector<float> data(count());
    for (size_t i = 0; i < count(); ++i) data[i] = Value(rank, i);
    // Twice: the second call reuses whatever the first one planned.
    for (int call = 0; call < 2; ++call) {
      ASSERT_TRUE(collective.AllreduceSum(data).ok());
      const float scale = call == 0 ? 1.0f : static_cast<float>(world());
      for (size_t i = 0; i < count(); ++i) {
        float expected = 0;
        for (int r = 0; r < world(); ++r) expected += Value(r, i);
        ASSERT_EQ(data[i], expected * scale) << "rank " << rank << " index " << i;
      }
    }
    EXPECT_EQ(collective.stats().allreduce_calls, 2);
    EXPECT_EQ(collective.stats().allreduce_bytes_sent,
              2 * static_cast<int64_t>(2 * (world() - 1) * count() * sizeof(float) / world()));
  });
}

TEST_P(GlooCollectiveTest, AllreduceAverageDividesByWorld) {
  RunGroup(world(), algorithm(), [&](int rank, Collective& collective) {
    std::vector<float> data(count());
    for (size_t i = 0; i < count(); ++i) data[i] = Value(rank, i);
    ASSERT_TRUE(collective.AllreduceAverage(data).ok());
    for (size_t i = 0; i < count(); ++i) {
      float sum = 0;
      for (int r = 0; r < world(); ++r) sum += Value(r, i);
      ASSERT_FLOAT_EQ(data[i], sum / static_cast<float>(world())) << "rank " << rank;
    }
  });
}

TEST_P(GlooCollectiveTest, BroadcastCopiesRootBytesToAllRanks) {
  const int root = world() - 1;
  RunGroup(world(), algorithm(), [&](int rank, Collective& collective) {
    std::vector<std::byte> bytes(count() * sizeof(float));
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = std::byte(static_cast<uint8_t>(i * 7 + rank));
    ASSERT_TRUE(collective.Broadcast(bytes, root).ok());
    for (size_t i = 0; i < bytes.size(); ++i) {
      ASSERT_EQ(bytes[i], std::byte(static_cast<uint8_t>(i * 7 + root))) << "rank " << rank;
    }
    EXPECT_TRUE(collective.Barrier().ok());
  });
}

std::string Name(const ::testing::TestParamInfo<GlooCollectiveTest::ParamType>& info) {
  return "world" + std::to_string(std::get<0>(info.param)) + "_count" +
         std::to_string(std::get<1>(info.param)) +
         (std::get<2>(info.param) == Algorithm::kRing ? "_ring" : "_ringchunked");
}

INSTANTIATE_TEST_SUITE_P(
    WorldCountAlgorithm, GlooCollectiveTest,
    ::testing::Combine(::testing::Values(1, 2, 3, 4),
                       ::testing::Values(size_t{0}, size_t{1}, size_t{7}, size_t{4097}),
                       ::testing::Values(Algorithm::kRing, Algorithm::kRingChunked)),
    Name);

TEST(GlooCollective, RejectsBadOptions) {
  gloo::rendezvous::HashStore store;
  GlooOptions options;
  options.world = 2;
  options.rank = 2;
  EXPECT_EQ(ConnectGloo(store, options).status().code(), absl::StatusCode::kInvalidArgument);
  options.rank = 0;
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(ConnectGloo(store, options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GlooCollective, BroadcastRejectsRootOutsideWorld) {
  RunGroup(2, Algorithm::kRing, [](int rank, Collective& collective) {
    std::vector<std::byte> bytes(8);
    EXPECT_EQ(collective.Broadcast(bytes, 2).code(), absl::StatusCode::kInvalidArgument);
  });
}

}  // namespace
}  // namespace cascade::collective
