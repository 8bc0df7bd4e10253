// A read-only view of n calorimeter showers in memory, independent of any file format, so the
// trainer can validate generated showers without writing them out.
#pragma once

#include <cstdint>
#include <span>

namespace cascade::physics {

// The 3DGAN image is a 25x25x25 cube of cells (physics.md §1.1).
inline constexpr int kGrid = 25;
inline constexpr int64_t kCellsPerShower = int64_t{kGrid} * kGrid * kGrid;

// Showers in (event, x, y, z) order with z = depth the fastest axis; cell energies in GeV
// (no xscale). Invariants, checked by Validate: ecal.size() == n * kCellsPerShower and
// energy.size() == n (the primary energy Ep of each event, GeV).
struct ShowerView {
  int64_t n = 0;
  std::span<const float> ecal;    // (n, 25, 25, 25) GeV
  std::span<const float> energy;  // (n) GeV
};

}  // namespace cascade::physics
