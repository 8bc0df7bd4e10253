// CLI11 wiring of the service subcommands: connection flags on each, argument parsing, then the
// Run* body from service_commands.h with the process's stdout/stderr.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <random>

#include "cli/command.h"
#include "cli/service_commands.h"

namespace cascade::cli {
namespace {

// Flags shared by every service subcommand, in the help's "Connection" group.
void AddConnectionFlags(CLI::App& sub, ConnectionFlags& flags) {
  sub.add_option("--coordinator", flags.coordinator,
                 "Coordinator HOST:PORT (env CASCADE_COORDINATOR, config `coordinator`, default "
                 "localhost:7070)")
      ->group("Connection");
  auto* token = sub.add_option("--token", flags.token,
                               "Bearer token (env CASCADE_TOKEN); prefer --token-file: a flag "
                               "shows up in `ps` and shell history")
                    ->group("Connection");
  sub.add_option("--token-file", flags.token_file,
                 "File holding the token, mode 600 (env CASCADE_TOKEN_FILE, config `token_file`)")
      ->group("Connection")
      ->excludes(token);
  sub.add_option("--tls-ca", flags.tls_ca,
                 "PEM of the CA that signed the coordinator's certificate; enables TLS (env "
                 "CASCADE_TLS_CA, config `tls_ca`)")
      ->group("Connection");
}

void AddOutputFlag(CLI::App& sub, std::string& output, bool with_csv = false) {
  auto* opt =
      sub.add_option("-o,--output", output, with_csv ? "table | csv | json" : "table | json")
          ->capture_default_str();
  opt->check(with_csv ? CLI::IsMember({"table", "csv", "json"}) : CLI::IsMember({"table", "json"}));
}

// Resolves the connection, opens a session and runs `body`; errors before the first RPC (a
// missing token file, a bad config file) are reported like RPC errors.
template <typename Body>
int WithSession(const ConnectionFlags& flags, const char* command, Body body) {
  CommandIo io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  auto connection = ResolveConnection(flags, ProcessEnv());
  if (!connection.ok()) {
    std::cerr << "cascade " << command << ": " << connection.status().message() << "\n";
    return ExitCodeFor(connection.status().code());
  }
  auto session = ServiceSession::Open(*connection);
  if (!session.ok()) {
    std::cerr << "cascade " << command << ": " << session.status().message() << "\n";
    return ExitCodeFor(session.status().code());
  }
  return body(**session, io);
}

// State shared between a subcommand's options and its callback (CLI11 keeps references).
struct ServiceFlags {
  ConnectionFlags connection;
  std::string output = "table";
  std::string id;
  std::vector<std::string> states;
  bool flag = false;  // --validate-only / --detail / --steps
  bool watch = false;
  std::string kind;
  std::string request_id;
};

CLI::App* AddServiceCommand(CLI::App& app, const char* name, const char* help,
                            std::shared_ptr<ServiceFlags>& flags) {
  flags = std::make_shared<ServiceFlags>();
  auto* sub = app.add_subcommand(name, help);
  AddConnectionFlags(*sub, flags->connection);
  return sub;
}

}  // namespace

void RegisterServiceCommands(CLI::App& app, CommandContext& ctx) {
  std::shared_ptr<ServiceFlags> f;

  auto* submit = AddServiceCommand(app, "submit", "Submit a scan spec (docs/scan-spec.md)", f);
  submit->add_option("spec", f->id, "Scan spec YAML file")->required();
  submit->add_flag("--validate-only", f->flag, "Check the spec on the coordinator, store nothing");
  submit->add_flag("--watch", f->watch, "Follow the new scan like `cascade watch`");
  submit->add_option("--request-id", f->request_id,
                     "Idempotency key (default: random); re-running a failed submit with the "
                     "same id never creates a second scan");
  AddOutputFlag(*submit, f->output);
  submit->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "submit", [&](ServiceSession& s, CommandIo io) {
      SubmitArgs args{f->id, f->flag, f->watch, f->request_id, ParseOutputFormat(f->output)};
      if (args.request_id.empty()) {
        std::mt19937_64 rng(std::random_device{}());
        args.request_id = NewRequestId(rng);
      }
      return RunSubmit(s, args, io);
    });
  });

  auto* scans = AddServiceCommand(app, "scans", "List scans, newest first", f);
  scans->add_option("--state", f->states,
                    "Only scans in this state (repeatable): pending running paused completed "
                    "canceled failed");
  AddOutputFlag(*scans, f->output);
  scans->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "scans", [&](ServiceSession& s, CommandIo io) {
      return RunScans(s, {f->states, ParseOutputFormat(f->output)}, io);
    });
  });

  auto* status = AddServiceCommand(app, "status",
                                   "Overview of scans and workers, or one scan and its trials", f);
  status->add_option("scan", f->id, "Scan id (omit for the overview)");
  AddOutputFlag(*status, f->output);
  status->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "status", [&](ServiceSession& s, CommandIo io) {
      return RunStatus(s, f->id, ParseOutputFormat(f->output), io);
    });
  });

  auto* watch = AddServiceCommand(
      app, "watch", "Follow a scan live; exits 0 when it completes, 1 if it failed or was canceled",
      f);
  watch->add_option("scan", f->id, "Scan id")->required();
  watch->add_flag("--steps", f->flag, "Also print per-step losses when not on a terminal");
  AddOutputFlag(*watch, f->output);
  watch->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "watch", [&](ServiceSession& s, CommandIo io) {
      WatchArgs args;
      args.scan_id = f->id;
      args.step_metrics = f->flag;
      args.output = ParseOutputFormat(f->output);
      return RunWatch(s, args, io);
    });
  });

  auto* trials = AddServiceCommand(app, "trials", "A scan's trials, or one trial in detail", f);
  trials->add_option("id", f->id, "Scan id (s-...), or a trial id (t-...) for its detail")
      ->required();
  trials->add_flag("--detail", f->flag,
                   "Generation history, recovery costs and provenance of every trial");
  AddOutputFlag(*trials, f->output);
  trials->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "trials", [&](ServiceSession& s, CommandIo io) {
      return RunTrials(s, f->id, f->flag, ParseOutputFormat(f->output), io);
    });
  });

  auto* metrics = AddServiceCommand(app, "metrics", "A trial's step and validation metrics", f);
  metrics->add_option("trial", f->id, "Trial id")->required();
  metrics->add_option("--kind", f->kind, "step | validation (default: both)")
      ->check(CLI::IsMember({"step", "validation"}));
  AddOutputFlag(*metrics, f->output, /*with_csv=*/true);
  metrics->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "metrics", [&](ServiceSession& s, CommandIo io) {
      return RunMetrics(s, {f->id, f->kind, ParseOutputFormat(f->output)}, io);
    });
  });

  auto* best = AddServiceCommand(app, "best",
                                 "A scan's best trial: metric, hyperparameters, checkpoints", f);
  best->add_option("scan", f->id, "Scan id")->required();
  AddOutputFlag(*best, f->output);
  best->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "best", [&](ServiceSession& s, CommandIo io) {
      return RunBest(s, f->id, ParseOutputFormat(f->output), io);
    });
  });

  struct Action {
    const char* name;
    const char* help;
    ScanAction action;
  };
  for (const Action& a :
       {Action{"cancel", "Cancel a scan: stop its trials, keep their checkpoints",
               ScanAction::kCancel},
        Action{"pause", "Pause a scan: checkpoint its running trials and free their workers",
               ScanAction::kPause},
        Action{"resume", "Resume a paused scan from its trials' checkpoints",
               ScanAction::kResume}}) {
    auto* sub = AddServiceCommand(app, a.name, a.help, f);
    sub->add_option("scan", f->id, "Scan id")->required();
    AddOutputFlag(*sub, f->output);
    sub->callback([f, &ctx, a] {
      ctx.exit_code = WithSession(f->connection, a.name, [&](ServiceSession& s, CommandIo io) {
        return RunScanAction(s, a.action, f->id, ParseOutputFormat(f->output), io);
      });
    });
  }

  auto* workers = AddServiceCommand(app, "workers", "Registered workers (all but GONE)", f);
  workers->add_option("--state", f->states,
                      "Only workers in this state (repeatable): idle busy draining lost gone");
  AddOutputFlag(*workers, f->output);
  workers->callback([f, &ctx] {
    ctx.exit_code = WithSession(f->connection, "workers", [&](ServiceSession& s, CommandIo io) {
      return RunWorkers(s, {f->states, ParseOutputFormat(f->output)}, io);
    });
  });
}

}  // namespace cascade::cli
