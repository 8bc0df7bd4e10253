// The steps of the coordinator load benchmark around the simulated sessions: scan submission,
// mass Register, waiting for welcomes, the 10 Hz unary probe, CPU time of the coordinator, and
// its server-side heartbeat handling quantiles from /metrics.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/coordinator_load/latency_recorder.h"
#include "bench/coordinator_load/sim_worker.h"
#include "cascade/v1/user_service.grpc.pb.h"
#include "cascade/v1/worker_service.grpc.pb.h"

namespace cascade::bench {

absl::StatusOr<std::string> SubmitScan(v1::UserService::Stub& stub, const std::string& token,
                                       const std::string& spec);

// Registers `count` workers round-robin over `stubs`, `concurrency` calls in flight; returns the
// ids of those that succeeded (failures are printed to stderr).
std::vector<std::string> RegisterAll(
    const std::vector<std::unique_ptr<v1::WorkerService::Stub>>& stubs, const std::string& token,
    int count, int concurrency, LatencyRecorder* latency);

// Waits until every worker is welcomed or gone, or `limit` passed.
void WaitWelcomed(const std::vector<std::unique_ptr<SimWorker>>& workers,
                  std::chrono::seconds limit);

// ListScans (page size 1) every 100 ms for `duration`.
void RunProbe(v1::UserService::Stub& stub, const std::string& token,
              std::chrono::duration<double> duration, LatencyRecorder* latency);

// utime + stime of process `pid` in seconds (0 when pid <= 0 or unreadable).
double ProcessCpuSeconds(int pid);

// {"count":N,"p50_le_ms":x,"p99_le_ms":y} of `method` (e.g. "WorkerService/Session.heartbeat")
// from the coordinator's latency histogram: the upper bounds of the buckets holding the quantiles.
// "null" when unavailable.
std::string ServerQuantiles(int metrics_port, const std::string& method);

}  // namespace cascade::bench
