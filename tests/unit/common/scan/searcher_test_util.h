// Specs for searcher tests, parsed from YAML so they are valid by construction.
#pragma once

#include <string>

#include "common/scan/scan_spec.h"

namespace cascade::scan::testing {

// Parses `yaml` (a complete spec) and fails the current test if it is invalid.
ScanSpec MustParse(const std::string& yaml);

// An asha spec: `max_trials` trials, the given rung layout and concurrency, one double hparam.
ScanSpec AshaSpec(int max_trials, int max_epochs, int divisor, int max_rungs, int concurrency,
                  bool smaller_is_better = true);

}  // namespace cascade::scan::testing
