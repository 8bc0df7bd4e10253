// RpcMetrics: latency histograms of the coordinator's RPC handlers, per method, for the
// Prometheus endpoint (cascade_rpc_duration_seconds). The method set is fixed at construction, so
// recording is lock-free (atomic bucket counters) and cheap enough for every heartbeat.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::coordinator {

class RpcMetrics {
 public:
  // Upper bounds (seconds) of the histogram buckets; +Inf is implicit.
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

  // Every method name the services record (e.g. "UserService/SubmitScan").
  explicit RpcMetrics(const std::vector<std::string>& methods);

  // Records one call; an unknown method is ignored (a programming error shows as a missing series).
  void Record(std::string_view method, double seconds);

  // Appends the Prometheus text exposition of the histogram family.
  void AppendPrometheus(std::string& out) const;

  struct Snapshot {
    std::array<uint64_t, kBuckets.size() + 1> buckets{};  // cumulative counts, last = +Inf
    double sum_seconds = 0;
    uint64_t count = 0;
  };
  Snapshot Get(std::string_view method) const;

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // per bucket, not cumulative
    std::atomic<uint64_t> sum_nanos{0};
    std::atomic<uint64_t> count{0};
  };
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> histograms_;
};

// Records the time from construction to destruction under `method`, which must outlive the timer
// (a literal, or a string declared before it).
class RpcTimer {
 public:
  RpcTimer(RpcMetrics* metrics, std::string_view method)
      : metrics_(metrics), method_(method), start_(std::chrono::steady_clock::now()) {}
  ~RpcTimer() {
    if (metrics_ == nullptr) return;
    metrics_->Record(
        method_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  RpcTimer(const RpcTimer&) = delete;
  RpcTimer& operator=(const RpcTimer&) = delete;

 private:
  RpcMetrics* metrics_;
  std::string_view method_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cascade::coordinator
