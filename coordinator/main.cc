// `cascade-coordinator`: one per site. Owns the durable state (SQLite), serves the user, worker and
// rendezvous gRPC services and the Prometheus endpoint, and runs until SIGTERM/SIGINT, then stops
// accepting calls, ends the open ones and exits 0. Exit codes match the `cascade` CLI's
// (cli/command.h): 2 bad flags, 3 an input file (token file, state, TLS) unusable, 1 anything
// else (e.g. the address is taken).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/config/yaml_config.h"
#include "common/rpc/authenticator.h"
#include "common/version.h"
#include "coordinator/admin/admin_service.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/rendezvous/rendezvous_service.h"
#include "coordinator/service/logging.h"
#include "coordinator/service/metrics_endpoint.h"
#include "coordinator/service/server.h"
#include "coordinator/state/state_store.h"

namespace {

enum ExitCode : int { kOk = 0, kFailure = 1, kUsage = 2, kBadInput = 3 };

struct Flags {
  std::string listen = "0.0.0.0:7070";
  std::string port_file;
  std::string state = "./cascade-state.db";
  std::string token_file;
  std::string tls_cert;
  std::string tls_key;
  int metrics_port = 0;
  std::string metrics_host = "0.0.0.0";
  double heartbeat_interval_s = 1;
  double heartbeat_timeout_s = 10;
  double reattach_grace_s = 30;
  double progress_timeout_s = 600;
  double regroup_timeout_s = 120;
  std::string checkpoint_root;
  std::string log_level = "info";
  bool log_json = false;
  bool check_config = false;
};

void AddFlags(CLI::App& app, Flags& f) {
  app.add_option("--listen", f.listen, "HOST:PORT of the gRPC server (port 0 picks a free one)")
      ->check([](const std::string& v) {
        return v.rfind(':') == std::string::npos ? std::string("expected HOST:PORT")
                                                 : std::string();
      })
      ->capture_default_str();
  app.add_option("--port-file", f.port_file, "write the port actually bound to this file");
  app.add_option("--state", f.state, "SQLite state file (created if missing)")
      ->capture_default_str();
  app.add_option("--token-file", f.token_file,
                 "YAML token registry (hashes; `cascade admin token create`); reloaded on change")
      ->required();
  auto* cert = app.add_option("--tls-cert", f.tls_cert, "PEM certificate chain (enables TLS)");
  auto* key = app.add_option("--tls-key", f.tls_key, "PEM private key of --tls-cert");
  cert->needs(key);
  key->needs(cert);
  app.add_option("--metrics-port", f.metrics_port, "Prometheus /metrics port (0 = off)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--metrics-host", f.metrics_host, "address the metrics endpoint binds")
      ->capture_default_str();
  app.add_option("--heartbeat-interval", f.heartbeat_interval_s,
                 "seconds between worker heartbeats (told to workers)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--heartbeat-timeout", f.heartbeat_timeout_s,
                 "seconds without a heartbeat before a worker is LOST")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--reattach-grace", f.reattach_grace_s,
                 "seconds a LOST worker (or every worker after a restart) may re-attach")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--progress-timeout", f.progress_timeout_s,
                 "seconds a RUNNING trial may go without a new step before it counts as failed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--regroup-timeout", f.regroup_timeout_s,
                 "seconds a broken group waits for its members to suspend and for min_workers "
                 "before its trial restarts from the last disk checkpoint")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--checkpoint-root", f.checkpoint_root,
                 "directory a relative `checkpoint.dir` of a scan spec is resolved against");
  app.add_option("--log-level", f.log_level, "trace|debug|info|warn|error|critical|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_flag("--log-json", f.log_json, "log one JSON object per line");
  app.add_flag("--check-config", f.check_config,
               "validate the flags / --config file and exit (a service unit's ExecStartPre)");
}

// Logging is configured before anything can fail here, so the error is one log line (JSON with
// --log-json) on stderr.
int Fail(int code, const std::string& message) {
  spdlog::error("{}", message);
  return code;
}

// Written via a temporary file and rename, so a test polling for it never reads half a number.
absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("--port-file ", path, ": cannot write"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("--port-file ", path, ": ", ec.message()));
  return absl::OkStatus();
}

int Run(const Flags& f) {
  using namespace cascade;  // NOLINT(build/namespaces): main's wiring only
  auto auth = rpc::Authenticator::Create(f.token_file);
  if (!auth.ok()) {
    return Fail(kBadInput,
                absl::StrCat("--token-file ", f.token_file, ": ", auth.status().message()));
  }
  auto store = coordinator::StateStore::Open(f.state);
  if (!store.ok()) {
    return Fail(kBadInput, absl::StrCat("--state ", f.state, ": ", store.status().message()));
  }
  coordinator::CoordinatorOptions options;
  options.heartbeat_interval = absl::Seconds(f.heartbeat_interval_s);
  options.heartbeat_timeout = absl::Seconds(f.heartbeat_timeout_s);
  options.reattach_grace = absl::Seconds(f.reattach_grace_s);
  options.progress_timeout = absl::Seconds(f.progress_timeout_s);
  options.regroup_timeout = absl::Seconds(f.regroup_timeout_s);
  options.checkpoint_root = f.checkpoint_root;
  auto coord = coordinator::Coordinator::Create(*std::move(store), options, absl::Now());
  if (!coord.ok()) {
    const int code = absl::IsInternal(coord.status()) ? kFailure : kBadInput;
    return Fail(code, absl::StrCat("--state ", f.state, ": ", coord.status().message()));
  }
  coordinator::Coordinator* c = coord->get();

  coordinator::RendezvousServiceImpl rendezvous(
      **auth, [c](const std::string& worker_id) { return c->RendezvousPrefix(worker_id); });
  c->on_generation_ended = [&rendezvous](const std::string& prefix) {
    rendezvous.store().DropPrefix(prefix);
  };

  coordinator::AdminServiceImpl admin(**auth, f.state);

  coordinator::ServerOptions server_options;
  server_options.listen_address = f.listen;
  server_options.tls = {f.tls_cert, f.tls_key};
  auto server =
      coordinator::CoordinatorServer::Start(c, auth->get(), server_options, {&rendezvous, &admin});
  if (!server.ok()) {
    const int code = absl::IsInvalidArgument(server.status()) ? kBadInput : kFailure;
    return Fail(code, std::string(server.status().message()));
  }
  std::unique_ptr<coordinator::MetricsEndpoint> metrics;
  if (f.metrics_port > 0) {
    auto started = coordinator::MetricsEndpoint::Start(f.metrics_host, f.metrics_port, c,
                                                       (*server)->metrics());
    if (!started.ok()) return Fail(kFailure, std::string(started.status().message()));
    metrics = *std::move(started);
    spdlog::info("metrics on http://{}:{}/metrics", f.metrics_host, metrics->port());
  }
  if (!f.port_file.empty()) {
    if (auto st = WritePortFile(f.port_file, (*server)->port()); !st.ok()) {
      return Fail(kFailure, std::string(st.message()));
    }
  }

  // SIGINT/SIGTERM were blocked in every thread before any started; wait for one here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  metrics.reset();
  (*server)->Shutdown();
  c->on_generation_ended = nullptr;
  server->reset();
  spdlog::info("coordinator stopped");
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cascade-coordinator — scans, trials, workers and rendezvous of a Cascade site"};
  app.set_version_flag("--version", std::string("cascade-coordinator ") + cascade::kVersion);
  Flags flags;
  AddFlags(app, flags);
  cascade::config::AddYamlConfigFlag(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  if (auto st = cascade::coordinator::ConfigureLogging(flags.log_level, flags.log_json); !st.ok()) {
    std::cerr << "cascade-coordinator: " << st.message() << "\n";
    return kUsage;
  }
  // Blocked before any thread exists, so every thread inherits the mask and only sigwait in Run
  // receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (flags.check_config) {
    std::cout << "cascade-coordinator: configuration OK\n";
    return kOk;
  }
  return Run(flags);
}
