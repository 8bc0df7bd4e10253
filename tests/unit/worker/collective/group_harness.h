// Runs one function per rank of an in-process Gloo group (threads + HashStore), like Gloo's
// own base_test.h.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gloo/rendezvous/hash_store.h"
#include "gtest/gtest.h"
#include "worker/collective/gloo_collective.h"

namespace cascade::collective::testing {

// Connects `world` ranks on loopback and calls body(rank, collective) on each rank's thread.
// Ends with the shutdown barrier. Each rank's failure to connect is recorded as a test failure.
// Returns after all threads join.
inline void RunGroup(int world, GlooOptions::Algorithm algorithm,
                     const std::function<void(int, Collective&)>& body,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  gloo::rendezvous::HashStore store;
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank) {
    threads.emplace_back([&, rank] {
      GlooOptions options;
      options.rank = rank;
      options.world = world;
      options.timeout = timeout;
      options.algorithm = algorithm;
      options.prefix = "test/gen/0";
      auto collective = ConnectGloo(store, options);
      ASSERT_TRUE(collective.ok()) << collective.status();
      body(rank, **collective);
      // The documented shutdown: nobody closes sockets under a peer still receiving.
      EXPECT_TRUE((*collective)->Barrier().ok());
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace cascade::collective::testing
