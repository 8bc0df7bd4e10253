// Physics validation of candidate showers (a GAN, another simulator) against reference showers.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "common/physics/energy_bins.h"
#include "common/physics/shower_view.h"
#include "common/physics/validation_report.h"

namespace cascade::physics {

struct ValidationOptions {
  // Index 0 should be the inclusive sample; the summary metrics use the exclusive bins.
  std::vector<EnergyBin> energy_bins = DefaultEnergyBins();
  int histogram_bins = 50;
  int64_t spectrum_events = 1000;  // physics.md §2.1: the cell spectrum of the first 1000 events
  bool keep_observables = true;    // false: scalars only, for online validation every epoch
};

// Computes every observable and metric of physics.md §2 in one multi-threaded pass over each
// sample. InvalidArgument if a view is inconsistent, empty, has non-positive or non-finite Ep or
// non-finite cells; FailedPrecondition if no exclusive energy bin holds events of both samples.
absl::StatusOr<ValidationReport> Validate(const ShowerView& reference, const ShowerView& candidate,
                                          const ValidationOptions& options = {});

}  // namespace cascade::physics
