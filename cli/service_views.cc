#include "cli/service_views.h"

#include <fmt/format.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/service_stragglers.h"

namespace cascade::cli {

std::string TrialsDone(const v1::TrialCounts& counts) {
  const int done = counts.completed() + counts.stopped() + counts.failed() + counts.canceled();
  return absl::StrCat(done, "/", counts.total());
}

std::string BestSummary(const v1::Scan& scan) {
  if (scan.best_trial_id().empty()) return "-";
  return absl::StrCat(scan.metric(), " ", FormatNumber(scan.best_metric()), " (",
                      scan.best_trial_id(), ")");
}

bool IsTerminal(v1::ScanState state) {
  return state == v1::SCAN_STATE_COMPLETED || state == v1::SCAN_STATE_CANCELED ||
         state == v1::SCAN_STATE_FAILED;
}

Table ScanTable(const google::protobuf::RepeatedPtrField<v1::Scan>& scans) {
  Table table({"ID", "NAME", "STATE", "SEARCHER", "DONE", "RUNNING", "BEST", "OWNER", "CREATED"},
              {"DONE", "RUNNING"});
  for (const auto& scan : scans) {
    table.AddRow({scan.id(), scan.name(), EnumLabel(scan.state()), scan.searcher(),
                  TrialsDone(scan.trials()), absl::StrCat(scan.trials().running()),
                  scan.best_trial_id().empty()
                      ? "-"
                      : absl::StrCat(FormatNumber(scan.best_metric()), " ", scan.best_trial_id()),
                  scan.owner(), FormatTime(scan.created_at())});
  }
  return table;
}

Table TrialTable(const google::protobuf::RepeatedPtrField<v1::Trial>& trials) {
  Table table({"ID", "STATE", "EPOCHS", "STEPS", "WORKERS", "RESTARTS", "BEST", "HPARAMS"},
              {"EPOCHS", "STEPS", "WORKERS", "RESTARTS", "BEST"});
  for (const auto& trial : trials) {
    table.AddRow({trial.id(), EnumLabel(trial.state()),
                  absl::StrCat(trial.epochs_completed(), "/", trial.max_epochs()),
                  absl::StrCat(trial.steps_completed()), absl::StrCat(trial.world_size()),
                  absl::StrCat(trial.restarts()),
                  trial.has_best_metric() ? FormatNumber(trial.best_metric()) : "-",
                  FormatHparams(trial.hparams())});
  }
  return table;
}

namespace {

// "job.step/procid" — where Slurm runs the worker ("-" outside Slurm).
std::string SlurmPlace(const v1::WorkerInfo& info) {
  if (info.slurm_job_id().empty()) return "-";
  return absl::StrCat(info.slurm_job_id(),
                      info.slurm_step_id().empty() ? "" : "." + info.slurm_step_id(), "/",
                      info.slurm_procid());
}

}  // namespace

Table WorkerTable(const google::protobuf::RepeatedPtrField<v1::Worker>& workers) {
  Table table({"ID", "HOST", "SLURM", "CPUS", "STATE", "TRIAL", "RANK", "STEP_S", "WAIT_S",
               "VS_GROUP", "HEARTBEAT", "FAILURES", "ISA", "FLAG"},
              {"CPUS", "RANK", "STEP_S", "WAIT_S", "VS_GROUP", "HEARTBEAT", "FAILURES"});
  const std::vector<RankSpeed> speeds = CompareToGroups(workers);
  for (int i = 0; i < workers.size(); ++i) {
    const v1::Worker& worker = workers[i];
    const RankSpeed& speed = speeds[i];
    const bool busy = !worker.trial_id().empty();
    const auto& timing = worker.timing();
    table.AddRow(
        {worker.id(), worker.info().hostname(), SlurmPlace(worker.info()),
         absl::StrCat(worker.info().cpus()), EnumLabel(worker.state()),
         busy ? worker.trial_id() : "-", busy ? absl::StrCat(worker.rank()) : "-",
         speed.has_timing ? fmt::format("{:.3f}", timing.step_seconds_mean()) : "-",
         speed.has_timing ? fmt::format("{:.3f}", timing.allreduce_wait_seconds_mean()) : "-",
         FormatRatio(speed), FormatAge(worker.last_heartbeat()), absl::StrCat(worker.failures()),
         worker.info().cpu_isa(), speed.flagged ? "STRAGGLER" : ""});
  }
  return table;
}

void PrintScanHeader(const v1::Scan& scan, std::ostream& out) {
  const auto& c = scan.trials();
  out << fmt::format("scan     {}  \"{}\"  {}\n", scan.id(), scan.name(), EnumLabel(scan.state()));
  out << fmt::format("searcher {}  metric {} ({} is better)\n", scan.searcher(), scan.metric(),
                     scan.smaller_is_better() ? "smaller" : "larger");
  out << fmt::format(
      "trials   {} total: {} pending, {} running, {} paused, {} completed, {} stopped, {} failed, "
      "{} canceled\n",
      c.total(), c.pending(), c.running(), c.paused(), c.completed(), c.stopped(), c.failed(),
      c.canceled());
  out << "best     " << BestSummary(scan) << "\n";
  out << "owner    " << scan.owner() << "  created " << FormatTime(scan.created_at())
      << "  updated " << FormatTime(scan.updated_at()) << "\n";
  if (!scan.message().empty()) out << "message  " << scan.message() << "\n";
}

}  // namespace cascade::cli
