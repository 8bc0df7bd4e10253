// Failure behaviour of the Gloo collective inside one process: ranks are threads, a "dead" rank
// is one that destroys its collective (closing its sockets without a fault report), exactly
// what the kernel does for a SIGKILLed process. tests/integration/collective covers real kills.
#include <chrono>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "gloo/rendezvous/hash_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/collective/gloo_collective.h"

namespace cascade::collective {
namespace {

using ::testing::HasSubstr;
using Algorithm = GlooOptions::Algorithm;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = std::chrono::milliseconds(2000);
// Generous bound for "returned within the timeout" on a loaded 2-core machine.
constexpr auto kUpperBound = std::chrono::seconds(20);

GlooOptions Options(int rank, int world, Algorithm algorithm) {
  GlooOptions options;
  options.rank = rank;
  options.world = world;
  options.timeout = kTimeout;
  options.algorithm = algorithm;
  options.prefix = "failure/gen/0";
  return options;
}

class GlooFailureTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(GlooFailureTest, SurvivorsNameTheRankThatLeft) {
  constexpr int kWorld = 3;
  constexpr int kDead = 2;
  gloo::rendezvous::HashStore store;
  std::latch connected(kWorld);
  std::latch dead_gone(1);
  std::vector<absl::Status> results(kWorld);
  std::vector<Clock::duration> elapsed(kWorld);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < kWorld; ++rank) {
    threads.emplace_back([&, rank] {
      auto collective = ConnectGloo(store, Options(rank, kWorld, GetParam()));
      ASSERT_TRUE(collective.ok()) << collective.status();
      connected.arrive_and_wait();
      if (rank == kDead) {
        collective->reset();
        dead_gone.count_down();
        return;
      }
      dead_gone.wait();
      std::vector<float> data(100000, 1.0f);
      const auto start = Clock::now();
      results[rank] = (*collective)->AllreduceSum(data);
      elapsed[rank] = Clock::now() - start;
      // Terminal: the group is retired after the first failure.
      EXPECT_EQ((*collective)->AllreduceSum(data).code(), absl::StatusCode::kUnavailable);
      EXPECT_EQ((*collective)->Barrier().code(), absl::StatusCode::kUnavailable);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int rank = 0; rank < kWorld; ++rank) {
    if (rank == kDead) continue;
    EXPECT_EQ(results[rank].code(), absl::StatusCode::kUnavailable) << results[rank];
    EXPECT_THAT(std::string(results[rank].message()),
                HasSubstr("rank " + std::to_string(rank) + " of 3: allreduce failed"));
    EXPECT_THAT(std::string(results[rank].message()), HasSubstr("lost peer rank 2"));
    EXPECT_LT(elapsed[rank], kUpperBound);
  }
}

TEST_P(GlooFailureTest, StalledPeerTimesOutInsteadOfHanging) {
  constexpr int kWorld = 3;
  constexpr int kStalled = 2;
  gloo::rendezvous::HashStore store;
  std::latch connected(kWorld);
  std::latch survivors_done(kWorld - 1);
  std::vector<absl::Status> results(kWorld);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < kWorld; ++rank) {
    threads.emplace_back([&, rank] {
      auto collective = ConnectGloo(store, Options(rank, kWorld, GetParam()));
      ASSERT_TRUE(collective.ok()) << collective.status();
      connected.arrive_and_wait();
      if (rank == kStalled) {  // alive, sockets open, never joins the allreduce
        survivors_done.wait();
        return;
      }
      std::vector<float> data(1000, 1.0f);
      results[rank] = (*collective)->AllreduceSum(data);
      survivors_done.count_down();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(results[0].code(), absl::StatusCode::kUnavailable) << results[0];
  EXPECT_EQ(results[1].code(), absl::StatusCode::kUnavailable) << results[1];
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GlooFailureTest,
                         ::testing::Values(Algorithm::kRankOrdered, Algorithm::kRing,
                                           Algorithm::kRingChunked),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST(GlooRendezvous, MissingPeerFailsWithinTimeout) {
  gloo::rendezvous::HashStore store;
  GlooOptions options = Options(0, 2, Algorithm::kRing);
  options.timeout = std::chrono::milliseconds(300);
  const auto start = Clock::now();
  auto collective = ConnectGloo(store, options);
  EXPECT_LT(Clock::now() - start, kUpperBound);
  EXPECT_EQ(collective.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(collective.status().message()), HasSubstr("rank 0 of 2"));
}

}  // namespace
}  // namespace cascade::collective
