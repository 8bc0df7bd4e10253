// GetEcalFit: the Σ-of-image target the 3DGAN gives its fake showers (physics.md §2.1).
// e = Ep/100. mod=1 ("fit from ROOT"): Ecal[GeV] = P(e)·e with
// P(e) = 0.0018e⁴ − 0.023e³ + 0.11e² − 0.28e + 2.21, i.e. Ecal/Ep = P(e)/100 ≈ 0.020 at 100 GeV.
// mod=0 (master branch): Ecal = 2e. Both scaled by xscale like the real images.
#pragma once

namespace cascade::gan {

inline double EcalFitPolynomial(double e) {
  return (((0.0018 * e - 0.023) * e + 0.11) * e - 0.28) * e + 2.21;
}

inline float EcalFit(float e, float xscale, bool polynomial) {
  const double sum_gev = polynomial ? EcalFitPolynomial(e) * e : 2.0 * e;
  return static_cast<float>(sum_gev * xscale);
}

}  // namespace cascade::gan
