#include "cli/service_watch_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/service_format.h"
#include "cli/service_views.h"

namespace cascade::cli {
namespace {

bool TrialFinished(v1::TrialState state) {
  return state == v1::TRIAL_STATE_COMPLETED || state == v1::TRIAL_STATE_STOPPED ||
         state == v1::TRIAL_STATE_FAILED || state == v1::TRIAL_STATE_CANCELED;
}

}  // namespace

void WatchView::Apply(const v1::ScanEvent& event) {
  switch (event.kind_case()) {
    case v1::ScanEvent::kScan:
      has_scan_ = true;
      scan_ = event.scan();
      break;
    case v1::ScanEvent::kTrial:
      trials_[event.trial().id()] = event.trial();
      break;
    case v1::ScanEvent::kMetric:
      if (event.metric().has_step()) {
        last_step_[event.metric().trial_id()] = event.metric().step();
      } else if (event.metric().has_validation()) {
        last_validation_[event.metric().trial_id()] = event.metric().validation();
      }
      break;
    default:
      break;
  }
}

std::string WatchView::MetricValue(const v1::ValidationMetrics& validation) const {
  if (scan_.metric().empty() || scan_.metric() == "sampling_fraction_mre") {
    return FormatNumber(validation.sampling_fraction_mre());
  }
  auto it = validation.observables().find(scan_.metric());
  return it == validation.observables().end() ? "-" : FormatNumber(it->second);
}

std::string WatchView::Render(int max_trials) const {
  std::ostringstream out;
  if (has_scan_) PrintScanHeader(scan_, out);
  if (trials_.empty()) return out.str();
  // Unfinished trials first: on a small terminal they are the ones worth the rows.
  std::vector<const v1::Trial*> shown;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [id, trial] : trials_) {
      if (TrialFinished(trial.state()) == (pass == 1)) shown.push_back(&trial);
    }
  }
  const size_t hidden = shown.size() > static_cast<size_t>(std::max(1, max_trials))
                            ? shown.size() - std::max(1, max_trials)
                            : 0;
  shown.resize(shown.size() - hidden);

  Table table({"TRIAL", "STATE", "PROGRESS", "EPOCHS", "STEP", "D_REAL", "D_FAKE", "G_LOSS",
               "VAL_METRIC", "HPARAMS"},
              {"EPOCHS", "STEP", "D_REAL", "D_FAKE", "G_LOSS", "VAL_METRIC"});
  for (const v1::Trial* trial : shown) {
    std::vector<std::string> row = {
        trial->id(),
        EnumLabel(trial->state()),
        ProgressBar(trial->epochs_completed(), trial->max_epochs()),
        absl::StrCat(trial->epochs_completed(), "/", trial->max_epochs()),
        absl::StrCat(trial->steps_completed()),
        "-",
        "-",
        "-",
        "-",
        FormatHparams(trial->hparams())};
    if (auto it = last_step_.find(trial->id()); it != last_step_.end()) {
      row[4] = absl::StrCat(std::max(it->second.step(), trial->steps_completed()));
      row[5] = FormatNumber(it->second.discriminator_loss_real());
      row[6] = FormatNumber(it->second.discriminator_loss_fake());
      row[7] = FormatNumber(it->second.generator_loss());
    }
    if (auto it = last_validation_.find(trial->id()); it != last_validation_.end()) {
      row[8] = MetricValue(it->second);
    }
    table.AddRow(std::move(row));
  }
  out << "\n";
  table.Print(out);
  if (hidden > 0)
    out << fmt::format("... {} more finished trials: cascade trials {}\n", hidden, scan_.id());
  return out.str();
}

std::string WatchView::EventLine(const v1::ScanEvent& event) const {
  switch (event.kind_case()) {
    case v1::ScanEvent::kScan: {
      const auto& s = event.scan();
      std::string line = fmt::format("scan {} {} trials {} done, {} running, best {}", s.id(),
                                     EnumLabel(s.state()), TrialsDone(s.trials()),
                                     s.trials().running(), BestSummary(s));
      return s.message().empty() ? line : line + ": " + s.message();
    }
    case v1::ScanEvent::kTrial: {
      const auto& t = event.trial();
      std::string line = fmt::format("trial {} {} epochs {}/{} workers {} {}", t.id(),
                                     EnumLabel(t.state()), t.epochs_completed(), t.max_epochs(),
                                     t.world_size(), FormatHparams(t.hparams()));
      return t.message().empty() ? line : line + ": " + t.message();
    }
    case v1::ScanEvent::kMetric: {
      const auto& m = event.metric();
      if (m.has_step()) {
        const auto& s = m.step();
        return fmt::format("step {} step {} epoch {} d_real {} d_fake {} g_loss {} samples/s {}",
                           m.trial_id(), s.step(), s.epoch(),
                           FormatNumber(s.discriminator_loss_real()),
                           FormatNumber(s.discriminator_loss_fake()),
                           FormatNumber(s.generator_loss()), FormatNumber(s.samples_per_second()));
      }
      const auto& v = m.validation();
      return fmt::format(
          "validation {} epoch {} {} {} g_loss {} d_loss {}", m.trial_id(), v.epoch(),
          scan_.metric().empty() ? "sampling_fraction_mre" : scan_.metric(), MetricValue(v),
          FormatNumber(v.generator_loss()), FormatNumber(v.discriminator_loss()));
    }
    default:
      return absl::StrCat("event ", event.sequence());
  }
}

}  // namespace cascade::cli
