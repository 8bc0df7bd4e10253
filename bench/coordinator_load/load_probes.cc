#include "bench/coordinator_load/load_probes.h"

#include <httplib.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/rpc/channel.h"

namespace cascade::bench {

using Clock = std::chrono::steady_clock;

absl::StatusOr<std::string> SubmitScan(v1::UserService::Stub& stub, const std::string& token,
                                       const std::string& spec) {
  grpc::ClientContext context;
  rpc::PrepareContext(context, token, std::chrono::seconds(60));
  v1::SubmitScanRequest request;
  request.set_spec_yaml(spec);
  v1::SubmitScanResponse response;
  grpc::Status status = stub.SubmitScan(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return response.scan().id();
}

std::vector<std::string> RegisterAll(
    const std::vector<std::unique_ptr<v1::WorkerService::Stub>>& stubs, const std::string& token,
    int count, int concurrency, LatencyRecorder* latency) {
  struct Call {
    grpc::ClientContext context;
    v1::RegisterRequest request;
    v1::RegisterResponse response;
    Clock::time_point start;
  };
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0, finished = 0;
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < concurrency; });
      ++in_flight;
    }
    auto* call = new Call;
    rpc::PrepareContext(call->context, token, std::chrono::seconds(120));
    call->request.mutable_info()->set_hostname(absl::StrCat("sim-", i / 4));
    call->request.mutable_info()->set_pid(100000 + i);
    call->request.mutable_info()->set_cpus(8);
    call->request.mutable_info()->set_cascade_version("bench");
    call->start = Clock::now();
    stubs[i % stubs.size()]->async()->Register(
        &call->context, &call->request, &call->response, [&, call](grpc::Status status) {
          latency->Add(std::chrono::duration<double>(Clock::now() - call->start).count());
          std::lock_guard<std::mutex> lock(mu);
          if (status.ok()) {
            ids.push_back(call->response.worker_id());
          } else {
            std::cerr << "Register: " << status.error_message() << "\n";
          }
          --in_flight;
          ++finished;
          delete call;
          cv.notify_all();
        });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return finished == count; });
  return ids;
}

void WaitWelcomed(const std::vector<std::unique_ptr<SimWorker>>& workers,
                  std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    size_t pending = 0;
    for (const auto& w : workers) pending += !w->welcomed() && w->alive();
    if (pending == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "some sessions were not welcomed within " << limit.count() << " s\n";
}

void RunProbe(v1::UserService::Stub& stub, const std::string& token,
              std::chrono::duration<double> duration, LatencyRecorder* latency) {
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(duration);
  auto next = Clock::now();
  while (next < end) {
    grpc::ClientContext context;
    rpc::PrepareContext(context, token, std::chrono::seconds(10));
    v1::ListScansRequest request;
    request.set_page_size(1);
    v1::ListScansResponse response;
    const auto start = Clock::now();
    grpc::Status status = stub.ListScans(&context, request, &response);
    if (status.ok()) {
      latency->Add(std::chrono::duration<double>(Clock::now() - start).count());
    } else {
      std::cerr << "probe: " << status.error_message() << "\n";
    }
    next += std::chrono::milliseconds(100);
    std::this_thread::sleep_until(next);
  }
}

double ProcessCpuSeconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // Field 2 (comm) may hold spaces; count fields after its closing parenthesis.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
  if (fields.size() < 13) return 0;
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
}

std::string ServerQuantiles(int metrics_port, const std::string& method) {
  httplib::Client client("127.0.0.1", metrics_port);
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) {
    std::cerr << "metrics: GET /metrics on port " << metrics_port << " failed\n";
    return "null";
  }
  const std::string prefix =
      absl::StrCat("cascade_rpc_duration_seconds_bucket{method=\"", method, "\",le=\"");
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  for (absl::string_view line : absl::StrSplit(response->body, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    line.remove_prefix(prefix.size());
    const size_t quote = line.find('"');
    const std::string le(line.substr(0, quote));
    double count = 0;
    if (!absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &count)) continue;
    buckets.emplace_back(le == "+Inf" ? 1e9 : std::stod(le), count);
  }
  if (buckets.empty() || buckets.back().second == 0) {
    std::cerr << "metrics: no samples of " << method << "\n";
    return "null";
  }
  const double total = buckets.back().second;
  auto quantile = [&](double q) {
    for (const auto& [le, count] : buckets) {
      if (count >= q * total) return le;
    }
    return buckets.back().first;
  };
  return absl::StrCat("{\"count\":", total, ",\"p50_le_ms\":", quantile(0.5) * 1e3,
                      ",\"p99_le_ms\":", quantile(0.99) * 1e3, "}");
}

}  // namespace cascade::bench
