// LatencyRecorder: thread-safe collection of latency samples (seconds) with exact percentiles;
// a load run keeps at most a few hundred thousand samples, so storing them all is fine.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <mutex>
#include <vector>

namespace cascade::bench {

class LatencyRecorder {
 public:
  void Add(double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    samples_.push_back(seconds);
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    samples_.clear();
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return samples_.size();
  }
  // Nearest-rank percentile, q in [0, 1]; NaN without samples.
  double Percentile(double q) {
    std::lock_guard<std::mutex> lock(mu_);
    if (samples_.empty()) return std::nan("");
    std::vector<double> sorted = samples_;
    const size_t rank =
        std::min(sorted.size() - 1, static_cast<size_t>(std::ceil(q * sorted.size())) - (q > 0));
    std::nth_element(sorted.begin(), sorted.begin() + rank, sorted.end());
    return sorted[rank];
  }

 private:
  std::mutex mu_;
  std::vector<double> samples_;
};

}  // namespace cascade::bench
