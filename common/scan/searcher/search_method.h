// A search method in Determined's event -> actions shape (pkg/searcher/search_method.go): the
// coordinator reports events, the method answers with actions. Pure: no clock, I/O or RPC; all
// randomness comes from a seeded generator that is part of the snapshot, so a coordinator that
// restores the snapshot after a restart gets exactly the actions the old one would have produced.
//
// Event order contract (what the coordinator guarantees):
// - InitialTrials once, first (not again after Restore).
// - ValidationCompleted(id, epoch, metric) after epoch `epoch` (1-based count of epochs done) of a
//   created trial, epochs increasing per trial.
// - TrialExited(id, failed) exactly once per created trial, after any Stop for it.
// Events for trials the method did not create are errors (FailedPrecondition).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/scan/searcher/action.h"
#include "nlohmann/json.hpp"

namespace cascade::scan {

class SearchMethod {
 public:
  virtual ~SearchMethod() = default;

  virtual absl::StatusOr<std::vector<Action>> InitialTrials() = 0;
  virtual absl::StatusOr<std::vector<Action>> ValidationCompleted(int64_t request_id, int epoch,
                                                                  double metric) = 0;
  virtual absl::StatusOr<std::vector<Action>> TrialExited(int64_t request_id, bool failed) = 0;

  // Epochs a trial trains unless the method stops it.
  virtual int TrialEpochs() const = 0;

  // Complete state as JSON; Restore on a method built from the same spec continues identically.
  virtual nlohmann::json Snapshot() const = 0;
  // InvalidArgument if `snapshot` is malformed or from another kind of searcher.
  virtual absl::Status Restore(const nlohmann::json& snapshot) = 0;
};

}  // namespace cascade::scan
