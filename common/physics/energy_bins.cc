#include "common/physics/energy_bins.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_format.h"

namespace cascade::physics {
namespace {

EnergyBin Inclusive() {
  return EnergyBin{0.0, std::numeric_limits<double>::infinity(), true, "all"};
}

}  // namespace

std::vector<EnergyBin> EnergyBinsFromEdges(const std::vector<double>& edges) {
  std::vector<EnergyBin> bins = {Inclusive()};
  for (size_t i = 0; i + 1 < edges.size(); ++i) {
    double hi = edges[i + 1];
    // Make the last bin closed on the right so Ep == 500 GeV is not lost.
    if (i + 2 == edges.size()) hi = std::nextafter(hi, std::numeric_limits<double>::infinity());
    bins.push_back(
        EnergyBin{edges[i], hi, false, absl::StrFormat("%g-%g GeV", edges[i], edges[i + 1])});
  }
  return bins;
}

std::vector<EnergyBin> DefaultEnergyBins() {
  return EnergyBinsFromEdges({2, 10, 25, 50, 100, 200, 300, 400, 500});
}

std::vector<EnergyBin> ThreeDGanEnergyBins() {
  constexpr double kTolerance = 5.0;  // GeV, RootAnalysis.py `tolerance`
  std::vector<EnergyBin> bins = {Inclusive()};
  for (double e : {50.0, 100.0, 200.0, 250.0, 300.0, 400.0, 500.0}) {
    bins.push_back(EnergyBin{e - kTolerance, e + kTolerance, false,
                             absl::StrFormat("%g±%g GeV", e, kTolerance)});
  }
  return bins;
}

}  // namespace cascade::physics
