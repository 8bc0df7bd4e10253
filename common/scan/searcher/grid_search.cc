#include "common/scan/searcher/grid_search.h"

#include "absl/strings/str_cat.h"
#include "common/scan/spec_parser.h"
#include "common/status_macros.h"

namespace cascade::scan {

GridSearch::GridSearch(const ScanSpec& spec)
    : epochs_(spec.epochs),
      pool_(spec.seed, static_cast<int>(GridSize(spec)), spec.resources.max_concurrent_trials) {
  for (const auto& [name, hp] : spec.hyperparameters) axes_.emplace_back(name, GridValues(hp));
}

int64_t GridSearch::size() const {
  int64_t n = 1;
  for (const auto& axis : axes_) n *= static_cast<int64_t>(axis.second.size());
  return n;
}

Hparams GridSearch::Point(int64_t index) const {
  Hparams point;
  for (auto it = axes_.rbegin(); it != axes_.rend(); ++it) {
    const int64_t radix = static_cast<int64_t>(it->second.size());
    point[it->first] = it->second[index % radix];
    index /= radix;
  }
  return point;
}

absl::StatusOr<std::vector<Action>> GridSearch::InitialTrials() {
  std::vector<Action> actions;
  pool_.Fill([this] { return Point(pool_.created()); }, &actions);
  return actions;
}

absl::StatusOr<std::vector<Action>> GridSearch::ValidationCompleted(int64_t request_id, int,
                                                                    double) {
  CASCADE_RETURN_IF_ERROR(pool_.StateOf(request_id).status());
  return std::vector<Action>{};
}

absl::StatusOr<std::vector<Action>> GridSearch::TrialExited(int64_t request_id, bool) {
  CASCADE_RETURN_IF_ERROR(pool_.MarkExited(request_id));
  return InitialTrials();  // refill the freed slot
}

nlohmann::json GridSearch::Snapshot() const {
  return {{"searcher", "grid"}, {"pool", pool_.Snapshot()}};
}

absl::Status GridSearch::Restore(const nlohmann::json& snapshot) {
  try {
    if (snapshot.at("searcher") != "grid") {
      return absl::InvalidArgumentError("searcher snapshot: not a grid searcher");
    }
    return pool_.Restore(snapshot.at("pool"));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("grid searcher snapshot: ", e.what()));
  }
}

}  // namespace cascade::scan
