// The bookkeeping every search method shares (Determined keeps it in the searcher context): the
// seeded generator, request-id allocation, which trials are live, and the concurrency limit.
// Invariants: request ids are 1, 2, 3, ... in creation order; live() <= max_concurrent after
// every Fill; Shutdown is emitted at most once, only when `total` trials were created and all
// of them exited.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/scan/searcher/action.h"
#include "nlohmann/json.hpp"

namespace cascade::scan {

class TrialPool {
 public:
  enum class TrialState { kLive, kStopping, kExited };

  TrialPool(uint64_t seed, int total, int max_concurrent);

  std::mt19937_64& rng() { return rng_; }
  int created() const { return static_cast<int>(trials_.size()); }
  int live() const;  // created and not yet exited (stopping trials still hold their workers)

  // Creates trials with hparams from `next` (then draws each trial's seed) until `total` were
  // created or `max_concurrent` are live; appends Shutdown if everything is done.
  void Fill(const std::function<Hparams()>& next, std::vector<Action>* actions);

  // FailedPrecondition for an id this pool never created (or, for Exit, one that already exited).
  absl::StatusOr<TrialState> StateOf(int64_t request_id) const;
  absl::Status MarkStopping(int64_t request_id);
  absl::Status MarkExited(int64_t request_id);

  nlohmann::json Snapshot() const;
  absl::Status Restore(const nlohmann::json& json);  // may throw nlohmann::json::exception

 private:
  std::mt19937_64 rng_;
  int total_;
  int max_concurrent_;
  bool shutdown_sent_ = false;
  std::map<int64_t, TrialState> trials_;
};

}  // namespace cascade::scan
