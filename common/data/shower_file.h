// EleEscan HDF5 files (reference/physics.md §1.1): read and write whole files of raw showers.
//
// Layout on disk, as the original Keras loaders read it:
//   ECAL   float (N, 25, 25, 25), axes (x, y, z = depth), deposited energy in GeV; or (N, 51, 51,
//   25),
//          of which the central 25x25 window [13:38] in x and y is read.
//   target float (N, C >= 2), column 1 = primary energy Ep in GeV; or `energy` (N) / (N, 1) in GeV.
// Cascade writes ECAL (N,25,25,25) float32 and target (N,2) float32 with column 0 = 0 (its meaning
// in the CERN files is unknown and nothing reads it) and column 1 = Ep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cascade::data {

inline constexpr int kShowerCells = 25;                        // x, y and z extent
inline constexpr int64_t kShowerSize = int64_t{25} * 25 * 25;  // cells per event
inline constexpr float kMaxPrimaryEnergyGeV = 10000.0f;        // accepted Ep: (0, 10 TeV]

// Raw showers as stored: GeV, no preprocessing.
struct ShowerSet {
  int64_t n = 0;
  std::vector<float> ecal;    // (n, 25, 25, 25) row-major (event, x, y, z): z = depth last
  std::vector<float> energy;  // (n) primary energy Ep in GeV
};

struct ReadOptions {
  int64_t max_events = -1;  // read only the first max_events (all when < 0)
  // Multiplies every cell after reading. The variable-angle files store ECAL x50 (physics.md §1.2):
  // pass 1/50 to get GeV.
  float cell_scale = 1.0f;
};

// Reads and validates a whole file (layout, dtype, finite non-negative cells, Ep in (0, 10 TeV]).
// Returns an error naming the file and dataset on the first problem; never a partial set.
absl::StatusOr<ShowerSet> ReadShowerFile(const std::string& path, const ReadOptions& options = {});

struct WriteOptions {
  int gzip_level = 1;  // 0 = no compression; chunks are one event so random access stays cheap
};

// Writes ECAL + target. The file appears under `path` only when complete (written to a temporary
// name first, then renamed), so a crash never leaves a half-written file that looks valid.
absl::Status WriteShowerFile(const std::string& path, const ShowerSet& showers,
                             const WriteOptions& options = {});

}  // namespace cascade::data
