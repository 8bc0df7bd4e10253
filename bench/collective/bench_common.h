// Shared measurement rules of the collective benchmarks, so Gloo, MPI and memcpy rows compare.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace cascade::bench {

// The sizes the trainer allreduces: D's gradient (0.3 MB), G's (3.5 MB), and a 64 MiB stress
// size (as in docs of env.md §4/§7). Counts are fp32 elements.
inline const std::vector<size_t>& AllreduceCounts() {
  static const std::vector<size_t> counts = {75'000, 872'736, 16'777'216};
  return counts;
}

constexpr int kWarmupCalls = 3;
constexpr int kMinIterations = 20;
constexpr double kMinSeconds = 1.0;

inline double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// busbw = algbw * 2(p-1)/p (NCCL-tests convention): the per-link rate a ring must sustain,
// comparable across p. For memcpy (p = 1) the factor is defined as 1.
inline double BusBandwidthGBs(size_t bytes, double seconds, int world) {
  const double algbw = static_cast<double>(bytes) / seconds / 1e9;
  return world == 1 ? algbw : algbw * 2.0 * (world - 1) / world;
}

// One machine-readable line per measurement; bench/collective/run.sh builds the table from these.
inline void PrintResult(const std::string& impl, int world, size_t bytes, double median_seconds) {
  std::printf("RESULT impl=%s np=%d bytes=%zu median_ms=%.4f busbw=%.3f\n", impl.c_str(), world,
              bytes, median_seconds * 1e3, BusBandwidthGBs(bytes, median_seconds, world));
  std::fflush(stdout);
}

}  // namespace cascade::bench
