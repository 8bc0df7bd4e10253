#include "coordinator/service/metrics_endpoint.h"

#include <httplib.h>
#include <sys/resource.h>

#include <chrono>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cascade::coordinator {
namespace {

// Every state is exported, also at 0, so a dashboard's series do not vanish when a count drops.
constexpr const char* kWorkerStates[] = {"idle", "busy", "draining", "lost", "gone"};
constexpr const char* kTrialStates[] = {"pending", "running", "paused",  "completed",
                                        "stopped", "failed",  "canceled"};

template <size_t N>
void AppendGauge(std::string& out, const char* name, const char* help,
                 const char* const (&known)[N], const std::map<std::string, int64_t>& values) {
  absl::StrAppendFormat(&out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
  std::set<std::string> states(std::begin(known), std::end(known));
  for (const auto& [state, unused] : values) states.insert(state);
  for (const std::string& state : states) {
    auto it = values.find(state);
    absl::StrAppendFormat(&out, "%s{state=\"%s\"} %d\n", name, state,
                          it == values.end() ? 0 : it->second);
  }
}

}  // namespace

double ProcessCpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string MetricsEndpoint::Render(const CoordinatorStats& stats, const RpcMetrics& rpc_metrics,
                                    double process_cpu_seconds) {
  std::string out;
  AppendGauge(out, "cascade_workers", "Registered workers by state.", kWorkerStates,
              stats.workers_by_state);
  AppendGauge(out, "cascade_trials", "Trials of all scans by state.", kTrialStates,
              stats.trials_by_state);
  absl::StrAppendFormat(&out,
                        "# HELP cascade_steps_total Step metric reports received from workers.\n"
                        "# TYPE cascade_steps_total counter\ncascade_steps_total %d\n",
                        stats.steps_total);
  absl::StrAppendFormat(&out,
                        "# HELP cascade_heartbeats_total Worker heartbeats received.\n"
                        "# TYPE cascade_heartbeats_total counter\ncascade_heartbeats_total %d\n",
                        stats.heartbeats_total);
  rpc_metrics.AppendPrometheus(out);
  absl::StrAppendFormat(&out,
                        "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
                        "seconds.\n# TYPE process_cpu_seconds_total counter\n"
                        "process_cpu_seconds_total %.6f\n",
                        process_cpu_seconds);
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& host, int port, Coordinator* coordinator, const RpcMetrics* rpc_metrics) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  endpoint->http_ = std::make_unique<httplib::Server>();
  // httplib's default also sets SO_REUSEPORT, which would let a second coordinator share the port
  // silently; SO_REUSEADDR alone still allows a quick restart.
  endpoint->http_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  endpoint->http_->Get(
      "/metrics", [coordinator, rpc_metrics](const httplib::Request&, httplib::Response& response) {
        response.set_content(Render(coordinator->Stats(), *rpc_metrics, ProcessCpuSeconds()),
                             "text/plain; version=0.0.4; charset=utf-8");
      });
  endpoint->http_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  if (port == 0) {
    endpoint->port_ = endpoint->http_->bind_to_any_port(host);
  } else if (endpoint->http_->bind_to_port(host, port)) {
    endpoint->port_ = port;
  }
  if (endpoint->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics endpoint: cannot listen on ", host, ":", port));
  }
  endpoint->thread_ = std::thread([http = endpoint->http_.get()] { http->listen_after_bind(); });
  // httplib's stop() does nothing before the listener runs; wait for it so the destructor can
  // always stop it.
  while (!endpoint->http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace cascade::coordinator
