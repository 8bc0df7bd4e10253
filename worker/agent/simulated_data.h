// A scan's `simulate` block turned into EleEscan files, once per host: every worker on a host
// (and every trial of every scan with the same block) shares one directory under the data cache,
// and every host produces byte-identical showers (the simulator seeds each event from the block's
// seed and the event index).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cascade/v1/scan.pb.h"

namespace cascade::worker {

// "<cache>/sim-<16 hex digits>": a hash of the block's fields (and the simulator's format
// version), so a different block never reuses a directory.
std::string SimulatedDataDir(const v1::SimulatedData& block, const std::string& cache);

// Returns SimulatedDataDir(block, cache), generating it first when absent: files are written to
// a private temporary directory next to it and renamed into place, so concurrent workers never
// see a partial dataset (the loser of a race discards its copy). Zero fields take the scan-spec
// defaults (10000 events, 5 files, 2-500 GeV). InvalidArgument for an impossible block, Internal
// naming the path for I/O errors. `threads` = OpenMP threads of the simulator (0 = default).
absl::StatusOr<std::string> EnsureSimulatedData(const v1::SimulatedData& block,
                                                const std::string& cache, int threads);

// $TMPDIR/cascade-data (/tmp when TMPDIR is unset).
std::string DefaultDataCache();

}  // namespace cascade::worker
