// Cumulative counters a Collective keeps about its own traffic, for step timings and heartbeats.
#pragma once

#include <cstdint>

namespace cascade::collective {

// Plain counters; bytes are the algorithm's analytic bytes put on the wire by this rank
// (ring: 2(p-1)/p * S per allreduce), not kernel socket counters.
struct CollectiveStats {
  int64_t allreduce_calls = 0;
  int64_t allreduce_bytes_sent = 0;
  double allreduce_seconds = 0.0;  // wall time inside AllreduceSum, including waiting for peers
  int64_t broadcast_calls = 0;
  int64_t broadcast_bytes_sent = 0;
  int64_t barrier_calls = 0;
};

}  // namespace cascade::collective
