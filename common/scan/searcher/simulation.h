// Runs a search without training anything (Determined pkg/searcher/simulate.go): trials are
// advanced one epoch at a time, round-robin in creation order, their validation metric taken from
// an objective function, and the searcher's actions applied as a coordinator would. Deterministic:
// the same searcher state and objective give the same event sequence. Used by tests, and by
// `cascade` to preview a scan.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "common/scan/searcher/search_method.h"

namespace cascade::scan {

// The validation metric of `trial` after `epoch` epochs (1-based).
using Objective = std::function<double(const Create& trial, int epoch)>;
// Whether `trial` fails (crashes) instead of reporting its validation after `epoch` epochs.
using FailurePredicate = std::function<bool(const Create& trial, int epoch)>;

// What happened to one trial during a simulation.
struct SimulatedTrial {
  Create create;
  int epochs_trained = 0;
  std::vector<double> metrics;  // one per epoch trained
  bool stopped = false;         // by a Stop action
  bool failed = false;
};

class Simulation {
 public:
  // `searcher` must outlive the simulation (or be replaced with ReplaceSearcher first).
  Simulation(SearchMethod* searcher, Objective objective, FailurePredicate fails = nullptr);

  // Sends InitialTrials. Must be called once, before Step.
  absl::Status Start();
  // Advances the next live trial by one epoch and applies the resulting actions.
  // Returns false once the searcher has shut down (or nothing is left to run).
  absl::StatusOr<bool> Step();
  // Steps until done, or ResourceExhausted after `max_steps` steps.
  absl::Status Run(int64_t max_steps = 1000000);

  // Swaps in another searcher, e.g. one restored from a snapshot (coordinator restart).
  void ReplaceSearcher(SearchMethod* searcher) { searcher_ = searcher; }

  const std::map<int64_t, SimulatedTrial>& trials() const { return trials_; }
  const std::vector<Action>& actions() const { return actions_; }  // every action, in order
  bool shut_down() const { return shut_down_; }

 private:
  absl::Status Apply(const std::vector<Action>& actions);
  absl::Status Exit(int64_t request_id, bool failed);

  SearchMethod* searcher_;
  Objective objective_;
  FailurePredicate fails_;
  std::map<int64_t, SimulatedTrial> trials_;
  std::deque<int64_t> queue_;  // live trials, round-robin order
  std::vector<Action> actions_;
  bool shut_down_ = false;
};

// Start + Run in one call: the trials of a complete simulated search.
absl::StatusOr<std::map<int64_t, SimulatedTrial>> Simulate(SearchMethod& searcher,
                                                           Objective objective,
                                                           FailurePredicate fails = nullptr);

}  // namespace cascade::scan
