#include <cstddef>
#include <vector>

#include "gtest/gtest.h"
#include "worker/collective/collective.h"

namespace cascade::collective {
namespace {

TEST(LocalCollective, IsAGroupOfOne) {
  auto collective = MakeLocalCollective();
  EXPECT_EQ(collective->rank(), 0);
  EXPECT_EQ(collective->world(), 1);
}

TEST(LocalCollective, AllreduceAndAverageAreIdentity) {
  auto collective = MakeLocalCollective();
  std::vector<float> data = {1.5f, -2.0f, 3.25f};
  ASSERT_TRUE(collective->AllreduceSum(data).ok());
  ASSERT_TRUE(collective->AllreduceAverage(data).ok());
  EXPECT_EQ(data, (std::vector<float>{1.5f, -2.0f, 3.25f}));
  EXPECT_EQ(collective->stats().allreduce_calls, 2);
  EXPECT_EQ(collective->stats().allreduce_bytes_sent, 0);
}

TEST(LocalCollective, BroadcastAcceptsOnlyRootZero) {
  auto collective = MakeLocalCollective();
  std::vector<std::byte> bytes(4, std::byte{7});
  EXPECT_TRUE(collective->Broadcast(bytes, 0).ok());
  EXPECT_EQ(collective->Broadcast(bytes, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(collective->Barrier().ok());
}

}  // namespace
}  // namespace cascade::collective
