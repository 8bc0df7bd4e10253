// The 3DGAN sampling-fraction reference curve (reference/physics.md §2.1, Energy-gan `GetEcalFit`):
// mean Ecal/Ep = P(e)/100 with e = Ep/100 and P(e) = 0.0018e^4 - 0.023e^3 + 0.11e^2 - 0.28e + 2.21.
#pragma once

namespace cascade::data {

inline double EcalFitSamplingFraction(double energy_gev) {
  const double e = energy_gev / 100.0;
  return (((0.0018 * e - 0.023) * e + 0.11) * e - 0.28) * e / 100.0 + 2.21 / 100.0;
}

}  // namespace cascade::data
