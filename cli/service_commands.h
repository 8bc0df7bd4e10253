// The bodies of the service subcommands (submit, scans, status, watch, trials, metrics, best,
// cancel, pause, resume, workers). Each takes an open ServiceSession, its parsed arguments and
// the streams to write to, and returns the exit code (cli/command.h); the CLI11 wiring lives in
// service_register.cc, so tests run these against an in-process fake coordinator.
#pragma once

#include <chrono>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "cli/service_format.h"
#include "cli/service_session.h"

namespace cascade::cli {

// Results go to `out`, diagnostics to `err`; `tty` = `out` is a terminal (tables are redrawn).
struct CommandIo {
  std::ostream& out;
  std::ostream& err;
  bool tty = false;
};

struct SubmitArgs {
  std::string spec_file;
  bool validate_only = false;
  bool watch = false;
  std::string request_id;  // same id => the coordinator returns the same scan (idempotent retry)
  OutputFormat output = OutputFormat::kTable;
};
// Prints the new scan's id alone on a line (scriptable: `id=$(cascade submit s.yaml)`). Retries
// once, with the same request id, when the coordinator is unreachable.
int RunSubmit(ServiceSession& session, const SubmitArgs& args, const CommandIo& io);

struct ListArgs {
  std::vector<std::string> states;  // state labels, e.g. "running"; empty = all
  OutputFormat output = OutputFormat::kTable;
};
int RunScans(ServiceSession& session, const ListArgs& args, const CommandIo& io);
int RunWorkers(ServiceSession& session, const ListArgs& args, const CommandIo& io);

enum class ScanAction { kCancel, kPause, kResume };
int RunScanAction(ServiceSession& session, ScanAction action, const std::string& scan_id,
                  OutputFormat output, const CommandIo& io);

// No scan id: counts of all scans and workers plus the unfinished scans; with one: the scan and
// its trials. Both end with the stragglers among the running ranks (service_stragglers.h).
int RunStatus(ServiceSession& session, const std::string& scan_id, OutputFormat output,
              const CommandIo& io);
// `id` is a scan id: its trials as a table, or with `detail` each trial's generation history and
// provenance; a trial id ("t-..."): that trial in detail (GetTrial; -o json prints the response).
int RunTrials(ServiceSession& session, const std::string& id, bool detail, OutputFormat output,
              const CommandIo& io);
// The scan's best trial: its metric, hyperparameters, and latest and best checkpoints.
int RunBest(ServiceSession& session, const std::string& scan_id, OutputFormat output,
            const CommandIo& io);

struct MetricsArgs {
  std::string trial_id;
  std::string kind;  // "step" | "validation" | "" (both)
  OutputFormat output = OutputFormat::kTable;
};
int RunMetrics(ServiceSession& session, const MetricsArgs& args, const CommandIo& io);

struct WatchArgs {
  std::string scan_id;
  bool step_metrics = false;  // also stream per-step losses (always on a terminal)
  OutputFormat output = OutputFormat::kTable;
  // Wait before the one reconnect after UNAVAILABLE, and how long to wait for the coordinator.
  std::chrono::milliseconds reconnect_delay{1000};
  std::chrono::milliseconds reconnect_timeout{15000};
};
// Follows the scan until it ends: 0 when it COMPLETED, 1 when it FAILED or was CANCELED.
int RunWatch(ServiceSession& session, const WatchArgs& args, const CommandIo& io);

// A random 128-bit id as 8-4-4-4-12 hex (request ids of submits).
std::string NewRequestId(std::mt19937_64& rng);

}  // namespace cascade::cli
