// Reference vs candidate within one energy bin: every observable of physics.md §2.1, the bin's
// sampling-fraction summary and its 3DGAN metric terms.
#pragma once

#include <cstdint>

#include "common/physics/energy_bins.h"
#include "common/physics/shower_features.h"
#include "common/physics/validation_report.h"

namespace cascade::physics {

struct BinComparisonOptions {
  int histogram_bins = 50;         // per-event distributions (physics.md: 50 for hit multiplicity)
  int64_t spectrum_events = 1000;  // first events of the bin entering the cell spectrum
  bool keep_observables = true;    // false: only the scalars (cheaper for per-epoch validation)
};

// Events are selected by their own Ep (candidates are generated at given energies). Histogram
// ranges come from the reference sample of the bin (5% margin), so they stay fixed across epochs
// of a training that validates against one reference; candidates outside land in under/overflow.
EnergyBinReport CompareEnergyBin(const EnergyBin& bin, const ShowerFeatures& reference,
                                 const ShowerFeatures& candidate,
                                 const BinComparisonOptions& options);

// Mean Ecal/Ep vs Ep in 100 bins over [2, 500] GeV (the 3DGAN TProfile), with GetEcalFit.
ObservableComparison CompareSamplingFractionVsEnergy(const ShowerFeatures& reference,
                                                     const ShowerFeatures& candidate);

}  // namespace cascade::physics
