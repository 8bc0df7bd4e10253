#include "cli/service_trial_detail.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cascade::cli {
namespace {

bool IsSet(const google::protobuf::Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

// Prints `text` with every line indented (tables are nested under the trial's header).
void PrintIndented(const std::string& text, const std::string& indent, std::ostream& out) {
  for (const auto& line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    out << indent << line << "\n";
  }
}

std::string OrUnknown(const std::string& value) { return value.empty() ? "unknown" : value; }

}  // namespace

std::string FormatDuration(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  const int64_t whole = static_cast<int64_t>(std::llround(seconds));
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

double SecondsBetween(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  if (!IsSet(a) || !IsSet(b)) return -1;
  return static_cast<double>(b.seconds() - a.seconds()) + (b.nanos() - a.nanos()) * 1e-9;
}

std::string GenerationSource(const v1::GroupGeneration& generation) {
  if (generation.in_place()) return "in place";
  return generation.start_step() > 0 ? "disk" : "scratch";
}

Table GenerationTable(const v1::Trial& trial) {
  Table table({"GEN", "WORLD", "WORKERS", "START", "LOST", "FROM", "CHARGED", "RECOVERY", "STARTED",
               "REASON"},
              {"GEN", "WORLD", "START", "LOST", "RECOVERY"});
  for (const auto& g : trial.generations()) {
    // Recovery: from the moment the previous generation's trouble was seen until rank 0 of this
    // one reported training resumed.
    const double recovery = SecondsBetween(g.failed_at(), g.resumed_at());
    table.AddRow({absl::StrCat(g.generation()), absl::StrCat(g.world_size()),
                  absl::StrJoin(g.worker_ids(), ","), absl::StrCat(g.start_step()),
                  absl::StrCat(g.steps_lost()), GenerationSource(g), g.charged() ? "yes" : "no",
                  recovery >= 0 ? FormatDuration(recovery) : "-", FormatTime(g.started_at()),
                  g.reason().empty() ? "-" : g.reason()});
  }
  return table;
}

void PrintProvenance(const v1::Provenance& p, std::ostream& out) {
  out << "  provenance\n";
  out << "    cascade   " << OrUnknown(p.cascade_version()) << "\n";
  out << "    seed      " << p.trial_seed()
      << " (trial seed; ranks derive their streams from it)\n";
  out << "    model     "
      << (p.model_filters().empty() ? std::string("unknown") : "filters " + p.model_filters())
      << "\n";
  out << "    oneDNN    " << OrUnknown(p.onednn_version()) << ", ISA " << OrUnknown(p.cpu_isa())
      << "\n";
  out << "    Gloo      " << OrUnknown(p.gloo_algorithm());
  if (p.gloo_timeout_ms() > 0) out << ", timeout " << p.gloo_timeout_ms() << " ms";
  out << "\n";
  // A protobuf map has no order; sorted paths make the block diffable between trials.
  std::vector<std::pair<std::string, std::string>> files(p.dataset_sha256().begin(),
                                                         p.dataset_sha256().end());
  std::sort(files.begin(), files.end());
  if (files.empty()) out << "    dataset   unknown\n";
  for (size_t i = 0; i < files.size(); ++i) {
    out << (i == 0 ? "    dataset   " : "              ") << files[i].first << "  sha256 "
        << files[i].second << "\n";
  }
}

void PrintTrialDetail(const v1::Trial& trial, std::ostream& out) {
  out << fmt::format("trial {}  {}  epochs {}/{}  steps {}  restarts {}\n", trial.id(),
                     EnumLabel(trial.state()), trial.epochs_completed(), trial.max_epochs(),
                     trial.steps_completed(), trial.restarts());
  out << "  hparams     " << FormatHparams(trial.hparams()) << "\n";
  out << "  seed        " << trial.seed() << "\n";
  out << "  best        "
      << (trial.has_best_metric() ? FormatNumber(trial.best_metric()) : std::string("-")) << "\n";
  // 0 means "never scaled" (proto3 default), the same as 1.
  if (trial.lr_scale() != 0 && trial.lr_scale() != 1) {
    out << "  lr scale    " << FormatNumber(trial.lr_scale())
        << " (halved by the GAN health guard at each rollback)\n";
  }
  out << fmt::format("  group       generation {}, {} workers: {}\n", trial.generation(),
                     trial.world_size(),
                     trial.worker_ids().empty() ? "-" : absl::StrJoin(trial.worker_ids(), " "));
  if (trial.has_latest_checkpoint()) {
    const auto& ckpt = trial.latest_checkpoint();
    out << fmt::format("  checkpoint  {} (epoch {}, step {})\n", ckpt.path(), ckpt.epoch(),
                       ckpt.step());
  }
  if (!trial.message().empty()) out << "  message     " << trial.message() << "\n";
  if (!trial.generations().empty()) {
    out << "  generations\n";
    std::ostringstream table;
    GenerationTable(trial).Print(table);
    PrintIndented(table.str(), "    ", out);
  }
  if (trial.has_provenance()) PrintProvenance(trial.provenance(), out);
}

}  // namespace cascade::cli
