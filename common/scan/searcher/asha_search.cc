#include "common/scan/searcher/asha_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/scan/searcher/random_search.h"
#include "common/status_macros.h"

namespace cascade::scan {

std::vector<int> AshaMilestones(int max_epochs, int divisor, int max_rungs) {
  std::vector<int> milestones;
  for (int r = 0; r < max_rungs; ++r) {
    // E / d^(R-1-r) by repeated division: no overflow for any R.
    int m = max_epochs;
    for (int k = 0; k < max_rungs - 1 - r && m > 0; ++k) m /= divisor;
    if (m >= 1 && (milestones.empty() || m > milestones.back())) milestones.push_back(m);
  }
  return milestones;
}

AshaSearch::AshaSearch(const ScanSpec& spec)
    : space_(spec.hyperparameters),
      smaller_is_better_(spec.searcher.smaller_is_better),
      divisor_(spec.searcher.divisor),
      milestones_(
          AshaMilestones(spec.searcher.max_epochs, spec.searcher.divisor, spec.searcher.max_rungs)),
      rungs_(milestones_.size()),
      pool_(spec.seed, spec.searcher.max_trials, spec.resources.max_concurrent_trials) {}

double AshaSearch::Comparable(double metric) const {
  if (!std::isfinite(metric)) return std::numeric_limits<double>::infinity();
  return smaller_is_better_ ? metric : -metric;
}

absl::StatusOr<std::vector<Action>> AshaSearch::InitialTrials() {
  std::vector<Action> actions;
  const int before = pool_.created();
  pool_.Fill([this] { return SampleHparams(space_, pool_.rng()); }, &actions);
  for (int id = before + 1; id <= pool_.created(); ++id) next_rung_[id] = 0;
  return actions;
}

absl::StatusOr<std::vector<Action>> AshaSearch::ValidationCompleted(int64_t request_id, int epoch,
                                                                    double metric) {
  CASCADE_ASSIGN_OR_RETURN(TrialPool::TrialState state, pool_.StateOf(request_id));
  if (state != TrialPool::TrialState::kLive) return std::vector<Action>{};  // already stopping
  int& rung = next_rung_[request_id];
  const int top = static_cast<int>(milestones_.size()) - 1;
  const double value = Comparable(metric);
  // One validation may pass several milestones (validations skipped): decide at each in turn.
  while (rung <= top && epoch >= milestones_[rung]) {
    std::vector<double>& recorded = rungs_[rung];
    const auto pos = std::lower_bound(recorded.begin(), recorded.end(), value);
    const int64_t better = pos - recorded.begin();
    recorded.insert(pos, value);
    if (rung == top) {
      ++rung;
      break;
    }
    const int64_t keep = std::max<int64_t>(1, static_cast<int64_t>(recorded.size()) / divisor_);
    if (better >= keep) {
      CASCADE_RETURN_IF_ERROR(pool_.MarkStopping(request_id));
      std::vector<Action> stop;
      stop.emplace_back(Stop{request_id});
      return stop;
    }
    ++rung;
  }
  return std::vector<Action>{};
}

absl::StatusOr<std::vector<Action>> AshaSearch::TrialExited(int64_t request_id, bool) {
  CASCADE_RETURN_IF_ERROR(pool_.MarkExited(request_id));
  return InitialTrials();
}

nlohmann::json AshaSearch::Snapshot() const {
  nlohmann::json next = nlohmann::json::array();
  for (const auto& [id, rung] : next_rung_) next.push_back({id, rung});
  // JSON has no infinity: a non-finite metric (+inf once comparable) is stored as "inf".
  nlohmann::json rungs = nlohmann::json::array();
  for (const auto& values : rungs_) {
    nlohmann::json r = nlohmann::json::array();
    for (double v : values) r.push_back(std::isinf(v) ? nlohmann::json("inf") : nlohmann::json(v));
    rungs.push_back(std::move(r));
  }
  return {{"searcher", "asha"},
          {"milestones", milestones_},
          {"rungs", rungs},
          {"next_rung", next},
          {"pool", pool_.Snapshot()}};
}

absl::Status AshaSearch::Restore(const nlohmann::json& snapshot) {
  try {
    if (snapshot.at("searcher") != "asha") {
      return absl::InvalidArgumentError("searcher snapshot: not an asha searcher");
    }
    if (snapshot.at("milestones").get<std::vector<int>>() != milestones_) {
      return absl::InvalidArgumentError(
          "asha searcher snapshot: rung milestones differ from the spec");
    }
    std::vector<std::vector<double>> rungs;
    for (const auto& r : snapshot.at("rungs")) {
      std::vector<double>& values = rungs.emplace_back();
      for (const auto& v : r) {
        values.push_back(v.is_string() ? std::numeric_limits<double>::infinity() : v.get<double>());
      }
      if (!std::is_sorted(values.begin(), values.end())) {
        return absl::InvalidArgumentError("asha searcher snapshot: rung values not sorted");
      }
    }
    if (rungs.size() != milestones_.size()) {
      return absl::InvalidArgumentError("asha searcher snapshot: wrong number of rungs");
    }
    std::map<int64_t, int> next;
    for (const auto& entry : snapshot.at("next_rung")) {
      const int rung = entry.at(1).get<int>();
      if (rung < 0 || rung > static_cast<int>(milestones_.size())) {
        return absl::InvalidArgumentError(absl::StrCat("asha searcher snapshot: bad rung ", rung));
      }
      next[entry.at(0).get<int64_t>()] = rung;
    }
    CASCADE_RETURN_IF_ERROR(pool_.Restore(snapshot.at("pool")));
    rungs_ = std::move(rungs);
    next_rung_ = std::move(next);
    return absl::OkStatus();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("asha searcher snapshot: ", e.what()));
  }
}

}  // namespace cascade::scan
