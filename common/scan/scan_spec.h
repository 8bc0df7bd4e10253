// A scan spec (docs/scan-spec.md) parsed into typed structs. Produced only by ParseScanSpec, so
// every instance satisfies the constraints documented there; defaults below are those of the doc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/scan/hyperparameter.h"

namespace cascade::scan {

// Synthetic GFlash showers instead of files. Energy range: physics.md (2-500 GeV, flat).
struct SimulateSpec {
  int64_t events = 10000;
  double energy_min_gev = 2.0;
  double energy_max_gev = 500.0;
  int files = 5;  // the last 10 % of files (at least one) hold the validation events
  uint64_t seed = 1;
};

// Exactly one of (train_files non-empty) or (simulate set).
struct DataSpec {
  std::vector<std::string> train_files;
  std::vector<std::string> validation_files;
  std::optional<SimulateSpec> simulate;
};

// Kept separate from gan::ModelConfig so the coordinator and CLI need not link the model
// (oneDNN); the worker maps it with gan::ParseFilters / ParseBnAxis names, which match.
enum class ModelFilters { kOriginal, kMultipleOf16, kTiny };  // "original" | "16" | "tiny"
enum class ModelBnAxis { kChannel, kLast };                   // "channel" | "last"

struct ModelSpec {
  ModelFilters filters = ModelFilters::kOriginal;
  ModelBnAxis bn_axis = ModelBnAxis::kLast;
  int latent_size = 200;  // published 3DGAN
  double xscale = 100.0;  // Energy-gan default
};

enum class SearcherKind { kGrid, kRandom, kAsha };

struct SearcherSpec {
  SearcherKind kind = SearcherKind::kGrid;
  std::string metric = "sampling_fraction_mre";
  bool smaller_is_better = true;
  int max_trials = 0;  // random, asha (required there, >= 1)
  int max_epochs = 0;  // asha: epochs of a trial that is never stopped (default: `epochs`)
  int divisor = 4;     // asha (Determined's default)
  int max_rungs = 5;   // asha (Determined's default)
};

// A trial's group spans min_workers..max_workers; `workers_per_trial: N` sets both to N.
struct ResourcesSpec {
  int min_workers = 1;
  int max_workers = 1;
  int max_concurrent_trials = 16;  // Determined's default
};

struct CheckpointSpec {
  std::string dir = "checkpoints";
  int keep_latest = 1;  // Determined's save_trial_latest
  int keep_best = 1;    // Determined's save_trial_best
};

// How each trial trains beyond its hyperparameters (Determined's records_per_epoch and
// min_validation_period play these roles).
struct TrainingSpec {
  int64_t steps_per_epoch = 0;         // 0: every batch of the training files once per epoch
  int64_t validation_events = 500;     // showers generated for each end-of-epoch validation
  int64_t checkpoint_every_steps = 0;  // 0: checkpoint at epoch ends only
  int commit_every_steps = 50;         // in-memory commit period K of elastic groups
};

struct ScanSpec {
  std::string name;  // required
  DataSpec data;     // required
  ModelSpec model;
  std::map<std::string, Hyperparameter> hyperparameters;
  SearcherSpec searcher;  // required
  ResourcesSpec resources;
  CheckpointSpec checkpoint;
  TrainingSpec training;
  int max_restarts = 5;  // per scan, Determined's default and scope
  // Charged restarts one trial may use on its own (0 = only the scan's budget limits it), so a
  // trial that keeps failing cannot use up the budget of its siblings.
  int max_restarts_per_trial = 0;
  int epochs = 10;
  uint64_t seed = 0;
};

const char* SearcherKindName(SearcherKind kind);  // "grid" | "random" | "asha"
const char* ModelFiltersName(ModelFilters filters);
const char* ModelBnAxisName(ModelBnAxis axis);

}  // namespace cascade::scan
