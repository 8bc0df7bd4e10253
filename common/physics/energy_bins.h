// Primary-energy bins in which every observable is computed, plus the inclusive sample.
#pragma once

#include <string>
#include <vector>

namespace cascade::physics {

// One selection Ep in [lo, hi) GeV. `inclusive` bins take every event regardless of Ep.
struct EnergyBin {
  double lo = 0.0;
  double hi = 0.0;
  bool inclusive = false;
  std::string label;  // "all", "100-200 GeV", "100±5 GeV"

  bool Contains(double ep) const { return inclusive || (ep >= lo && ep < hi); }
};

// Cascade's default for data flat in 2–500 GeV: contiguous bins (every event lands in exactly
// one), narrower at low energy where the shower shape changes fastest per GeV. Index 0 is the
// inclusive sample. Edges 2, 10, 25, 50, 100, 200, 300, 400, 500 (the last bin includes 500).
std::vector<EnergyBin> DefaultEnergyBins();

// The 3DGAN analysis bins (RootAnalysis.py): Ep = 50, 100, 200, 250, 300, 400, 500 ± 5 GeV,
// preceded by the inclusive sample. On flat 2–500 GeV data each holds only ~2% of the events.
std::vector<EnergyBin> ThreeDGanEnergyBins();

// Bins from explicit edges, e.g. {2, 100, 500} -> [2,100), [100,500]; index 0 is inclusive.
std::vector<EnergyBin> EnergyBinsFromEdges(const std::vector<double>& edges);

}  // namespace cascade::physics
