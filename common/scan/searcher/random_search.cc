#include "common/scan/searcher/random_search.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::scan {

Hparams SampleHparams(const std::map<std::string, Hyperparameter>& space, std::mt19937_64& rng) {
  Hparams hparams;
  for (const auto& [name, hp] : space) hparams[name] = Sample(hp, rng);
  return hparams;
}

RandomSearch::RandomSearch(const ScanSpec& spec)
    : space_(spec.hyperparameters),
      epochs_(spec.epochs),
      pool_(spec.seed, spec.searcher.max_trials, spec.resources.max_concurrent_trials) {}

absl::StatusOr<std::vector<Action>> RandomSearch::InitialTrials() {
  std::vector<Action> actions;
  pool_.Fill([this] { return SampleHparams(space_, pool_.rng()); }, &actions);
  return actions;
}

absl::StatusOr<std::vector<Action>> RandomSearch::ValidationCompleted(int64_t request_id, int,
                                                                      double) {
  CASCADE_RETURN_IF_ERROR(pool_.StateOf(request_id).status());
  return std::vector<Action>{};
}

absl::StatusOr<std::vector<Action>> RandomSearch::TrialExited(int64_t request_id, bool) {
  CASCADE_RETURN_IF_ERROR(pool_.MarkExited(request_id));
  return InitialTrials();
}

nlohmann::json RandomSearch::Snapshot() const {
  return {{"searcher", "random"}, {"pool", pool_.Snapshot()}};
}

absl::Status RandomSearch::Restore(const nlohmann::json& snapshot) {
  try {
    if (snapshot.at("searcher") != "random") {
      return absl::InvalidArgumentError("searcher snapshot: not a random searcher");
    }
    return pool_.Restore(snapshot.at("pool"));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("random searcher snapshot: ", e.what()));
  }
}

}  // namespace cascade::scan
