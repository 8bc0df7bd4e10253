// bench_coordinator_load: N simulated workers in one process against a running
// cascade-coordinator (bench/coordinator_load/run.sh starts one). Every worker registers, opens a
// Session over one of a few channels and heartbeats at 1 Hz (phases spread evenly); rank 0 of
// each trial (with --trials) also sends step metrics every --step-every heartbeats. Meanwhile a
// probe issues a small unary RPC (ListScans, page size 1) at 10 Hz.
//
// Reported (one JSON object on stdout): workers registered / welcomed / alive at the end, p50/p99
// of Register, of the heartbeat write completion (StartWrite -> OnWriteDone: the message left the
// client's flow control; heartbeats are one-way, so there is no reply to time), of the probe RPC
// (the coordinator's responsiveness under load), and the coordinator's CPU over the window
// (/proc/<pid>/stat utime+stime), plus its own per-message handling histogram if --metrics-port.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/coordinator_load/latency_recorder.h"
#include "bench/coordinator_load/load_probes.h"
#include "bench/coordinator_load/sim_worker.h"
#include "cascade/v1/user_service.grpc.pb.h"
#include "cascade/v1/worker_service.grpc.pb.h"
#include "common/rpc/channel.h"

namespace {

using cascade::bench::LatencyRecorder;
using cascade::bench::SimWorker;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::string address = "127.0.0.1:7070";
  std::string worker_token_file;
  std::string user_token_file;
  int workers = 1000;
  int channels = 16;
  double duration_s = 30;
  double heartbeat_s = 1;
  int step_every = 10;
  int trials = 0;
  int workers_per_trial = 4;
  int coordinator_pid = 0;
  int metrics_port = 0;
  int register_concurrency = 64;
};

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, int index) {
  grpc::ChannelArguments args;
  // Separate TCP connections: channels with equal arguments would share one subchannel.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("cascade.bench.channel", index);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

std::string ScanSpec(int trials, int workers_per_trial) {
  std::vector<std::string> lrs;
  for (int i = 0; i < trials; ++i) lrs.push_back(absl::StrCat(0.001 + i * 1e-6));
  return absl::StrCat("name: load-bench\ndata:\n  simulate: {events: 1000, files: 2}\n",
                      "hyperparameters:\n  lr: {type: categorical, vals: [",
                      absl::StrJoin(lrs, ", "), "]}\nsearcher: {name: grid}\n",
                      "resources: {workers_per_trial: ", workers_per_trial,
                      ", max_concurrent_trials: ", trials, "}\nepochs: 1000\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_coordinator_load — N simulated workers against a running coordinator"};
  Flags f;
  app.add_option("--address", f.address, "coordinator HOST:PORT")->capture_default_str();
  app.add_option("--worker-token-file", f.worker_token_file, "token with role worker")->required();
  app.add_option("--user-token-file", f.user_token_file, "token with role user (probe, scan)")
      ->required();
  app.add_option("--workers", f.workers, "simulated workers")->capture_default_str();
  app.add_option("--channels", f.channels, "gRPC channels (TCP connections)")
      ->capture_default_str();
  app.add_option("--duration", f.duration_s, "measurement window, seconds")->capture_default_str();
  app.add_option("--heartbeat", f.heartbeat_s, "heartbeat period, seconds")->capture_default_str();
  app.add_option("--step-every", f.step_every, "rank 0 sends step metrics every N heartbeats")
      ->capture_default_str();
  app.add_option("--trials", f.trials, "submit a grid scan of this many trials (0 = none)")
      ->capture_default_str();
  app.add_option("--workers-per-trial", f.workers_per_trial, "group size of those trials")
      ->capture_default_str();
  app.add_option("--coordinator-pid", f.coordinator_pid, "pid whose CPU time is measured");
  app.add_option("--metrics-port", f.metrics_port, "coordinator's Prometheus port (127.0.0.1)");
  app.add_option("--register-concurrency", f.register_concurrency, "Register calls in flight")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto worker_token = cascade::rpc::ReadTokenFile(f.worker_token_file);
  auto user_token = cascade::rpc::ReadTokenFile(f.user_token_file);
  if (!worker_token.ok() || !user_token.ok()) {
    std::cerr << (worker_token.ok() ? user_token.status() : worker_token.status()) << "\n";
    return 3;
  }
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<cascade::v1::WorkerService::Stub>> stubs;
  for (int i = 0; i < f.channels; ++i) {
    channels.push_back(MakeChannel(f.address, i));
    stubs.push_back(cascade::v1::WorkerService::NewStub(channels.back()));
  }
  auto user_stub = cascade::v1::UserService::NewStub(MakeChannel(f.address, f.channels));

  if (f.trials > 0) {
    auto submitted = cascade::bench::SubmitScan(*user_stub, *user_token,
                                                ScanSpec(f.trials, f.workers_per_trial));
    if (!submitted.ok()) {
      std::cerr << "submit: " << submitted.status() << "\n";
      return 1;
    }
  }

  // 1. Register everyone, `register_concurrency` calls in flight.
  LatencyRecorder register_latency;
  const auto register_start = Clock::now();
  std::vector<std::string> ids = cascade::bench::RegisterAll(
      stubs, *worker_token, f.workers, f.register_concurrency, &register_latency);
  const double register_seconds =
      std::chrono::duration<double>(Clock::now() - register_start).count();
  std::cerr << "registered " << ids.size() << " workers in " << register_seconds << " s\n";

  // 2. Open the sessions.
  LatencyRecorder write_latency;
  std::vector<std::unique_ptr<SimWorker>> workers;
  for (size_t i = 0; i < ids.size(); ++i) {
    workers.push_back(std::make_unique<SimWorker>(ids[i], &write_latency));
    workers.back()->Start(stubs[i % stubs.size()].get(), *worker_token);
  }
  cascade::bench::WaitWelcomed(workers, std::chrono::seconds(120));

  // 3. Heartbeat driver: worker i is due at phase i/N of every period.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> heartbeats_sent{0}, heartbeats_skipped{0};
  std::thread driver([&] {
    const auto period = std::chrono::duration<double>(f.heartbeat_s);
    const auto t0 = Clock::now();
    size_t next = 0;  // next worker index due
    int64_t cycle = 0;
    while (!stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0) / period;
      const auto due_cycle = static_cast<int64_t>(elapsed);
      const size_t due_index = static_cast<size_t>((elapsed - due_cycle) * workers.size());
      while (cycle < due_cycle || (cycle == due_cycle && next < due_index)) {
        if (next < workers.size()) {
          (workers[next]->SendHeartbeat(f.step_every) ? heartbeats_sent : heartbeats_skipped)++;
        }
        if (++next >= workers.size()) {
          next = 0;
          ++cycle;
        }
      }
    }
  });

  // 4. Warm up one period, then measure.
  std::this_thread::sleep_for(std::chrono::duration<double>(f.heartbeat_s * 2));
  write_latency.Clear();
  LatencyRecorder probe_latency;
  const int64_t sent_before = heartbeats_sent.load();
  const auto cpu_before = cascade::bench::ProcessCpuSeconds(f.coordinator_pid);
  const auto window_start = Clock::now();
  cascade::bench::RunProbe(*user_stub, *user_token, std::chrono::duration<double>(f.duration_s),
                           &probe_latency);
  const double window = std::chrono::duration<double>(Clock::now() - window_start).count();
  const auto cpu_after = cascade::bench::ProcessCpuSeconds(f.coordinator_pid);
  const int64_t sent = heartbeats_sent.load() - sent_before;
  stop.store(true);
  driver.join();

  size_t welcomed = 0, alive = 0, with_trial = 0;
  int64_t steps = 0;
  for (const auto& w : workers) {
    welcomed += w->welcomed();
    alive += w->alive() && w->welcomed();
    with_trial += w->has_trial();
    steps += w->steps_sent();
  }
  auto server_side = [&](const std::string& method) {
    return f.metrics_port > 0 ? cascade::bench::ServerQuantiles(f.metrics_port, method)
                              : std::string("null");
  };
  const std::string server_heartbeat = server_side("WorkerService/Session.heartbeat");
  const std::string server_probe = server_side("UserService/ListScans");
  const std::string server_register = server_side("WorkerService/Register");
  for (auto& w : workers) w->Stop();

  std::printf(
      "{\"workers\":%d,\"registered\":%zu,\"welcomed\":%zu,\"alive\":%zu,\"with_trial\":%zu,"
      "\"register_seconds\":%.2f,\"register_p50_ms\":%.3f,\"register_p99_ms\":%.3f,"
      "\"window_s\":%.1f,\"heartbeats_per_s\":%.1f,\"heartbeats_skipped\":%lld,"
      "\"step_reports\":%lld,\"hb_write_p50_ms\":%.3f,\"hb_write_p99_ms\":%.3f,"
      "\"probe_p50_ms\":%.3f,\"probe_p99_ms\":%.3f,\"probe_calls\":%zu,"
      "\"coordinator_cpu_percent\":%.1f,\"server_heartbeat\":%s,\"server_probe\":%s,"
      "\"server_register\":%s}\n",
      f.workers, ids.size(), welcomed, alive, with_trial, register_seconds,
      register_latency.Percentile(0.5) * 1e3, register_latency.Percentile(0.99) * 1e3, window,
      sent / window, static_cast<long long>(heartbeats_skipped.load()),
      static_cast<long long>(steps), write_latency.Percentile(0.5) * 1e3,
      write_latency.Percentile(0.99) * 1e3, probe_latency.Percentile(0.5) * 1e3,
      probe_latency.Percentile(0.99) * 1e3, probe_latency.Count(),
      f.coordinator_pid > 0 ? 100.0 * (cpu_after - cpu_before) / window : -1.0,
      server_heartbeat.c_str(), server_probe.c_str(), server_register.c_str());
  return 0;
}
