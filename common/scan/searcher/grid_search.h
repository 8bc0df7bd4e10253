// Grid search: one trial per point of the cartesian product of every hyperparameter's grid values
// (GridValues), visited in name order with the last name varying fastest. Trials run `epochs` and
// are never stopped early; at most max_concurrent_trials are live.
#pragma once

#include <memory>
#include <vector>

#include "common/scan/scan_spec.h"
#include "common/scan/searcher/search_method.h"
#include "common/scan/searcher/trial_pool.h"

namespace cascade::scan {

class GridSearch : public SearchMethod {
 public:
  // `spec` must come from ParseScanSpec with searcher grid.
  explicit GridSearch(const ScanSpec& spec);

  absl::StatusOr<std::vector<Action>> InitialTrials() override;
  absl::StatusOr<std::vector<Action>> ValidationCompleted(int64_t request_id, int epoch,
                                                          double metric) override;
  absl::StatusOr<std::vector<Action>> TrialExited(int64_t request_id, bool failed) override;
  int TrialEpochs() const override { return epochs_; }
  nlohmann::json Snapshot() const override;
  absl::Status Restore(const nlohmann::json& snapshot) override;

  int64_t size() const;  // number of grid points = trials

 private:
  Hparams Point(int64_t index) const;  // mixed-radix decode of `index`

  std::vector<std::pair<std::string, std::vector<HparamValue>>> axes_;  // in name order
  int epochs_;
  TrialPool pool_;
};

}  // namespace cascade::scan
