#include "coordinator/service/rpc_metrics.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace cascade::coordinator {

RpcMetrics::RpcMetrics(const std::vector<std::string>& methods) {
  for (const auto& method : methods) histograms_.emplace(method, std::make_unique<Histogram>());
}

void RpcMetrics::Record(std::string_view method, double seconds) {
  auto it = histograms_.find(method);
  if (it == histograms_.end()) return;
  Histogram& h = *it->second;
  const size_t bucket =
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  h.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  h.sum_nanos.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9),
                        std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
}

RpcMetrics::Snapshot RpcMetrics::Get(std::string_view method) const {
  Snapshot s;
  auto it = histograms_.find(method);
  if (it == histograms_.end()) return s;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    cumulative += it->second->buckets[i].load(std::memory_order_relaxed);
    s.buckets[i] = cumulative;
  }
  s.sum_seconds = it->second->sum_nanos.load(std::memory_order_relaxed) * 1e-9;
  // The +Inf bucket and the count must agree for Prometheus; both come from the bucket sum.
  s.count = cumulative;
  return s;
}

void RpcMetrics::AppendPrometheus(std::string& out) const {
  out +=
      "# HELP cascade_rpc_duration_seconds Time the coordinator spent handling an RPC or a "
      "session message.\n# TYPE cascade_rpc_duration_seconds histogram\n";
  for (const auto& [method, unused] : histograms_) {
    const Snapshot s = Get(method);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      absl::StrAppendFormat(&out,
                            "cascade_rpc_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %d\n",
                            method, kBuckets[i], s.buckets[i]);
    }
    absl::StrAppendFormat(&out,
                          "cascade_rpc_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %d\n",
                          method, s.buckets.back());
    absl::StrAppendFormat(&out, "cascade_rpc_duration_seconds_sum{method=\"%s\"} %.9g\n", method,
                          s.sum_seconds);
    absl::StrAppendFormat(&out, "cascade_rpc_duration_seconds_count{method=\"%s\"} %d\n", method,
                          s.count);
  }
}

}  // namespace cascade::coordinator
