// Hand-made showers for the physics tests: a few analytic shapes with known observables, and a
// seeded toy electromagnetic sample (Gamma-like depth profile, exponential core) for end-to-end
// checks of Validate. Not a physics model: the GFlash simulator lives in common/data.
#pragma once

#include <cstdint>
#include <vector>

#include "common/physics/shower_view.h"

namespace cascade::physics::testing {

struct ToyShowers {
  int64_t n = 0;
  std::vector<float> ecal;    // (n, 25, 25, 25) GeV
  std::vector<float> energy;  // (n) GeV

  ShowerView View() const { return ShowerView{n, ecal, energy}; }
  float& Cell(int64_t event, int x, int y, int z) {
    return ecal[((event * kGrid + x) * kGrid + y) * kGrid + z];
  }
};

// n empty showers with primary energy `ep`.
ToyShowers EmptyShowers(int64_t n, float ep);

// n toy showers with Ep uniform in [2, 500] GeV; Ecal/Ep follows GetEcalFit times
// `sampling_scale`, with 5% event-by-event smearing.
ToyShowers ToyElectronShowers(int64_t n, uint64_t seed, double sampling_scale = 1.0);

}  // namespace cascade::physics::testing
