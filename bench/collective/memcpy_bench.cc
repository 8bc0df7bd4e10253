// memcpy ceiling for the allreduce table: copy rate between two pre-faulted buffers.
#include <chrono>
#include <cstring>
#include <vector>

#include "bench/collective/bench_common.h"

int main() {
  using namespace cascade::bench;
  using Clock = std::chrono::steady_clock;
  for (size_t count : AllreduceCounts()) {
    const size_t bytes = count * sizeof(float);
    std::vector<char> src(bytes, 1), dst(bytes, 0);
    std::vector<double> times;
    double total = 0;
    for (int i = 0; i < kWarmupCalls; ++i) std::memcpy(dst.data(), src.data(), bytes);
    while (times.size() < static_cast<size_t>(kMinIterations) || total < kMinSeconds / 4) {
      const auto start = Clock::now();
      std::memcpy(dst.data(), src.data(), bytes);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      times.push_back(seconds);
      total += seconds;
      src[times.size() % bytes] ^= dst[bytes / 2];  // a data dependency keeps the copy live
    }
    PrintResult("memcpy", 1, bytes, Median(times));
  }
  return 0;
}
