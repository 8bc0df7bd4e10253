// MetricsEndpoint: the coordinator's Prometheus text exposition (format 0.0.4) over HTTP
// (cpp-httplib, its own listener thread): /metrics with worker and trial gauges, step and
// heartbeat counters, RPC latency histograms and process CPU time; /healthz answers "ok".
// Prometheus scrapes every ~15 s, so rendering takes the Coordinator's lock once per scrape.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/rpc_metrics.h"

namespace httplib {
class Server;
}

namespace cascade::coordinator {

class MetricsEndpoint {
 public:
  // Listens on host:port (port 0 picks a free one). `coordinator` and `rpc_metrics` must
  // outlive the endpoint. Unavailable naming the address if it cannot listen.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& host, int port,
                                                                Coordinator* coordinator,
                                                                const RpcMetrics* rpc_metrics);
  ~MetricsEndpoint();  // stops listening and joins

  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

  // The /metrics body.
  static std::string Render(const CoordinatorStats& stats, const RpcMetrics& rpc_metrics,
                            double process_cpu_seconds);

 private:
  MetricsEndpoint() = default;

  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

// User + system CPU seconds of this process so far.
double ProcessCpuSeconds();

}  // namespace cascade::coordinator
