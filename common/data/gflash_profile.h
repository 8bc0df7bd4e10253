// The GFlash (Grindhammer-Peters) profile formulas for a sampling calorimeter, reference/physics.md
// §3.3-3.5 (Geant4 GFlashSamplingShowerParameterisation). Depth t is in X0,eff, radii in R_M,eff,
// energies in GeV unless a name says otherwise.
#pragma once

#include "common/data/gflash_config.h"

namespace cascade::data {

// Regularised lower incomplete gamma function P(a, x), a > 0, x >= 0 (series for x < a + 1, Lentz's
// continued fraction above; relative accuracy ~1e-12). The C++ standard library has none.
double RegularizedGammaP(double a, double x);

// Means and fluctuation widths of ln T (depth of the maximum) and ln alpha for one primary energy.
struct LongitudinalMeans {
  double ln_t_hom, ln_alpha_hom;  // homogeneous medium (drive the spot profile)
  double ln_t, ln_alpha;          // with the sampling corrections (drive the energy profile)
  double sigma_ln_t, sigma_ln_alpha, rho;
};
LongitudinalMeans ComputeLongitudinalMeans(double energy_gev, const SamplingStack& stack);

// One shower's drawn profile: energy dE/dt ~ Gamma(alpha, beta), spots ~ Gamma(spot_alpha,
// spot_beta).
struct ShowerShape {
  double t_max, alpha, beta;
  double spot_alpha, spot_beta;
  double tau_per_x0;  // radial depth variable tau = t * tau_per_x0 (physics.md §3.4)
};
// z1, z2 ~ N(0,1) are the correlated-fluctuation draws (0, 0 gives the mean shower).
ShowerShape DrawShowerShape(const LongitudinalMeans& m, double z1, double z2,
                            const SamplingStack& stack);

// Two-component radial density f(r) = p 2r Rc^2/(r^2+Rc^2)^2 + (1-p) 2r Rt^2/(r^2+Rt^2)^2.
struct RadialProfile {
  double r_core, r_tail;  // in R_M,eff
  double p_core;          // in [0, 1]
};
RadialProfile ComputeRadialProfile(double tau, double energy_gev, const SamplingStack& stack);

// Spots per shower: N = 10.3 / sigma_samp * E^0.959 (GFlash sampling tuning, physics.md §3.5).
double SpotCount(double energy_gev, double sampling_resolution);

}  // namespace cascade::data
