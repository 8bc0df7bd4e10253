// Parses and validates a scan spec (docs/scan-spec.md). The only producer of ScanSpec: anything it
// returns satisfies every documented constraint. Errors are InvalidArgument whose message starts
// with the field path ("hyperparameters.lr.minval: must be > 0 for type log (line 9, column 13)").
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/scan/scan_spec.h"

namespace cascade::scan {

// Largest grid the grid searcher will expand (guards memory against a typo like count: 100000).
inline constexpr int64_t kMaxGridPoints = 100000;

absl::StatusOr<ScanSpec> ParseScanSpec(std::string_view yaml);
// Reads `path` then parses; NotFound names the file if it cannot be read, and parse errors are
// prefixed with the file name.
absl::StatusOr<ScanSpec> ParseScanSpecFile(const std::string& path);

// Number of trials the grid searcher creates for `spec` (product of per-hyperparameter counts).
int64_t GridSize(const ScanSpec& spec);

}  // namespace cascade::scan
