// Per-event quantities of a set of showers, computed in one multi-threaded pass over the cells.
// Everything the validation needs is derived from these, so the 25^3 cells are read exactly once.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/physics/shower_view.h"

namespace cascade::physics {

// Thresholds of physics.md §2.1.
inline constexpr double kHitThreshold = 3e-4;  // GeV, hit multiplicity
// Sparsity: fraction of cells above 10^t GeV for t = kSparsityMinExp..0.
inline constexpr int kSparsityMinExp = -13;
inline constexpr int kSparsityPoints = 1 - kSparsityMinExp;  // 14
// Cell-energy spectrum: log10(E/GeV) in [-12, 1), 100 bins, zero cells excluded.
inline constexpr int kSpectrumBins = 100;
inline constexpr double kSpectrumLo = -12.0;
inline constexpr double kSpectrumHi = 1.0;
// Depth thirds: layers [0,8), [8,17), [17,25) (8/9/8, symmetric around the middle layer 12).
inline constexpr std::array<int, 4> kThirdEdges = {0, 8, 17, kGrid};

// Struct of arrays over events; axis index a = 0 (x), 1 (y), 2 (z = depth).
// Moments follow GANutils.get_moments: cell index i from 0, m1 = Σ i·S[i]/E, m2 = Σ (i−m1)²·S[i]/E.
// Events with E = 0 have all moments, fractions and profiles 0 (callers skip them via `ecal`).
struct ShowerFeatures {
  int64_t n = 0;
  std::vector<double> energy;    // (n) Ep, GeV
  std::vector<double> ecal;      // (n) Σ cells, GeV
  std::vector<float> profiles;   // (n, 3, 25) energy per slice along x, y, z, GeV
  std::vector<double> m1;        // (n, 3) barycentre, cells
  std::vector<double> m2;        // (n, 3) variance, cells²
  std::vector<int32_t> hits;     // (n) cells with E > kHitThreshold
  std::vector<int8_t> max_cell;  // (n, 3) x, y, z of the hottest cell (first in (x,y,z) order)
  std::vector<double> thirds;    // (n, 3) energy fraction per depth third
  std::vector<float> sparsity;   // (n, kSparsityPoints) fraction of cells above 10^t
  // Cell spectra for the events flagged in `want_spectrum`: spectrum_index[e] is the row in
  // `spectra` (-1 if none); each row is (kSpectrumBins) counts of non-zero cells.
  std::vector<int32_t> spectrum_index;  // (n)
  std::vector<uint32_t> spectra;        // (rows, kSpectrumBins)

  const float* Profile(int64_t event, int axis) const {
    return &profiles[(event * 3 + axis) * kGrid];
  }
};

// One pass over `showers` (OpenMP over events). `want_spectrum` is empty or has n entries; a
// non-zero entry asks for that event's cell spectrum. Precondition: the view is consistent
// (Validate checks it).
ShowerFeatures ComputeShowerFeatures(const ShowerView& showers,
                                     std::span<const uint8_t> want_spectrum);

}  // namespace cascade::physics
