// Random search: `max_trials` trials, each hyperparameter drawn independently (Sample) from the
// scan's seeded generator, then the trial seed. Trials run `epochs` and are never stopped early;
// at most max_concurrent_trials are live; a trial that exits frees its slot for the next draw.
#pragma once

#include <map>
#include <string>

#include "common/scan/scan_spec.h"
#include "common/scan/searcher/search_method.h"
#include "common/scan/searcher/trial_pool.h"

namespace cascade::scan {

class RandomSearch : public SearchMethod {
 public:
  // `spec` must come from ParseScanSpec with searcher random.
  explicit RandomSearch(const ScanSpec& spec);

  absl::StatusOr<std::vector<Action>> InitialTrials() override;
  absl::StatusOr<std::vector<Action>> ValidationCompleted(int64_t request_id, int epoch,
                                                          double metric) override;
  absl::StatusOr<std::vector<Action>> TrialExited(int64_t request_id, bool failed) override;
  int TrialEpochs() const override { return epochs_; }
  nlohmann::json Snapshot() const override;
  absl::Status Restore(const nlohmann::json& snapshot) override;

 private:
  std::map<std::string, Hyperparameter> space_;
  int epochs_;
  TrialPool pool_;
};

// One draw of every hyperparameter of `space`, in name order, from `rng` (shared by random, asha).
Hparams SampleHparams(const std::map<std::string, Hyperparameter>& space, std::mt19937_64& rng);

}  // namespace cascade::scan
