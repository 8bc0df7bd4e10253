#include "common/data/gflash_profile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cascade::data {
namespace {

TEST(GflashProfileTest, IncompleteGammaMatchesClosedForms) {
  for (double x : {0.01, 0.5, 1.0, 3.0, 10.0, 40.0}) {
    EXPECT_NEAR(RegularizedGammaP(1.0, x), 1 - std::exp(-x), 1e-12) << x;
    EXPECT_NEAR(RegularizedGammaP(0.5, x), std::erf(std::sqrt(x)), 1e-12) << x;
    EXPECT_NEAR(RegularizedGammaP(3.0, x), 1 - std::exp(-x) * (1 + x + x * x / 2), 1e-12) << x;
  }
  EXPECT_EQ(RegularizedGammaP(4.0, 0.0), 0.0);
}

TEST(GflashProfileTest, DefaultStackMatchesPhysicsReference) {
  const SamplingStack s = DeriveSamplingStack(GflashConfig{});
  // physics.md §3.2: X0,eff 4.30 mm, E_c,eff 8.25 MeV, R_M,eff 11.0 mm, Z_eff 72.3, F_s 1.65,
  // e-hat 0.70, 0.605 X0 per layer.
  EXPECT_NEAR(s.x0_mm, 4.30, 0.01);
  EXPECT_NEAR(s.ec_mev, 8.25, 0.01);
  EXPECT_NEAR(s.rm_mm, 11.0, 0.05);
  EXPECT_NEAR(s.z_eff, 72.3, 0.05);
  EXPECT_NEAR(s.fs, 1.65, 0.01);
  EXPECT_NEAR(s.ehat, 0.70, 0.01);
  EXPECT_NEAR(s.layer_x0, 0.605, 0.001);
  EXPECT_NEAR(s.sampling_fraction, 0.0232, 0.0001);
}

TEST(GflashProfileTest, MeanShowerMaximumMatchesPhysicsReference) {
  const SamplingStack s = DeriveSamplingStack(GflashConfig{});
  // physics.md §3.3: T = 5.75 / 8.05 / 9.66 X0 and alpha = 4.0 / 5.1 / 5.9 at 10 / 100 / 500 GeV.
  const double energies[] = {10, 100, 500}, t[] = {5.75, 8.05, 9.66}, alpha[] = {4.0, 5.1, 5.9};
  for (int i = 0; i < 3; ++i) {
    const ShowerShape shape = DrawShowerShape(ComputeLongitudinalMeans(energies[i], s), 0, 0, s);
    EXPECT_NEAR(shape.t_max, t[i], 0.02) << energies[i];
    EXPECT_NEAR(shape.alpha, alpha[i], 0.06) << energies[i];
  }
}

TEST(GflashProfileTest, RadialProfileIsSaneOverDepth) {
  const SamplingStack s = DeriveSamplingStack(GflashConfig{});
  for (double tau : {0.05, 0.5, 1.0, 2.0, 4.0}) {
    const RadialProfile r = ComputeRadialProfile(tau, 100, s);
    EXPECT_GT(r.r_core, 0);
    EXPECT_GE(r.r_tail, r.r_core);
    EXPECT_GE(r.p_core, 0);
    EXPECT_LE(r.p_core, 1);
  }
  // The shower widens with depth.
  EXPECT_GT(ComputeRadialProfile(2.0, 100, s).r_tail, ComputeRadialProfile(0.5, 100, s).r_tail);
}

}  // namespace
}  // namespace cascade::data
