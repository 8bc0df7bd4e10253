// Asynchronous successive halving (Li et al. 2018, "A System for Massively Parallel
// Hyperparameter Tuning"), in its stopping form (Determined asha_stopping.go, Ray's ASHA):
//
// Nomenclature. R = max_rungs, d = divisor, E = max_epochs. Rung r (0 <= r < R) sits at
// milestone m_r = floor(E / d^(R-1-r)) epochs; milestones < 1 or equal to the one below are
// dropped, so the top rung is always at E. A trial "reaches" rung r at its first validation with
// epoch >= m_r; its metric is then recorded in rung r. Metrics are compared as
// v = metric (smaller_is_better) or -metric (larger is better); non-finite values rank last.
//
// Promotion. At a non-top rung holding n recorded metrics (including the new one), the trial
// continues iff fewer than max(1, floor(n / d)) recorded values are strictly better than its own:
// it is in the top 1/d seen so far at that rung. Otherwise the searcher emits Stop. Decisions
// are never revisited (asynchronous: the first trials at a rung are always promoted). A trial that
// reaches the top rung trains to E and exits by itself.
//
// Trials: `max_trials`, hparams drawn as in random search; at most max_concurrent_trials live;
// every exit (completed, stopped or failed) frees a slot for a new trial.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/scan/scan_spec.h"
#include "common/scan/searcher/search_method.h"
#include "common/scan/searcher/trial_pool.h"

namespace cascade::scan {

class AshaSearch : public SearchMethod {
 public:
  // `spec` must come from ParseScanSpec with searcher asha.
  explicit AshaSearch(const ScanSpec& spec);

  absl::StatusOr<std::vector<Action>> InitialTrials() override;
  absl::StatusOr<std::vector<Action>> ValidationCompleted(int64_t request_id, int epoch,
                                                          double metric) override;
  absl::StatusOr<std::vector<Action>> TrialExited(int64_t request_id, bool failed) override;
  int TrialEpochs() const override { return milestones_.back(); }
  nlohmann::json Snapshot() const override;
  absl::Status Restore(const nlohmann::json& snapshot) override;

  const std::vector<int>& milestones() const { return milestones_; }
  // Comparable values recorded at rung `r`, best first.
  const std::vector<double>& rung_values(int r) const { return rungs_[r]; }

 private:
  double Comparable(double metric) const;

  std::map<std::string, Hyperparameter> space_;
  bool smaller_is_better_;
  int divisor_;
  std::vector<int> milestones_;             // epochs of rung r, strictly increasing
  std::vector<std::vector<double>> rungs_;  // comparable values per rung, sorted ascending
  std::map<int64_t, int> next_rung_;        // request id -> first rung not yet reached
  TrialPool pool_;
};

// The milestone epochs of an ASHA search (see the nomenclature above).
std::vector<int> AshaMilestones(int max_epochs, int divisor, int max_rungs);

}  // namespace cascade::scan
