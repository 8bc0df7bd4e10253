// What a searcher asks the coordinator to do (Determined pkg/searcher actions). Plain values: the
// coordinator applies them in one switch and persists them; tests compare them.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "common/scan/hyperparameter.h"

namespace cascade::scan {

// Start a new trial. `request_id` is the searcher's name for it in every later event; `seed` is
// the trial seed every rank derives its random streams from.
struct Create {
  int64_t request_id = 0;
  uint64_t seed = 0;
  Hparams hparams;
  bool operator==(const Create&) const = default;
};

// Stop a running trial early (ASHA did not promote it). The trial still reports TrialExited.
struct Stop {
  int64_t request_id = 0;
  bool operator==(const Stop&) const = default;
};

// The search is over: no trial will be created any more and none is running.
struct Shutdown {
  bool operator==(const Shutdown&) const = default;
};

using Action = std::variant<Create, Stop, Shutdown>;

std::string ActionToString(const Action& action);  // for logs and test failure messages

}  // namespace cascade::scan
