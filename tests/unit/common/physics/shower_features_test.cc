#include "common/physics/shower_features.h"

#include <gtest/gtest.h>

#include <cmath>

#include "toy_showers.h"

namespace cascade::physics {
namespace {

using testing::EmptyShowers;

TEST(ShowerFeaturesTest, SingleCellShower) {
  auto s = EmptyShowers(1, 100.0f);
  s.Cell(0, 3, 7, 11) = 2.0f;
  const std::vector<uint8_t> want = {1};
  const ShowerFeatures f = ComputeShowerFeatures(s.View(), want);
  EXPECT_DOUBLE_EQ(f.ecal[0], 2.0);
  EXPECT_DOUBLE_EQ(f.m1[0], 3.0);
  EXPECT_DOUBLE_EQ(f.m1[1], 7.0);
  EXPECT_DOUBLE_EQ(f.m1[2], 11.0);
  for (int a = 0; a < 3; ++a) EXPECT_DOUBLE_EQ(f.m2[a], 0.0);
  EXPECT_EQ(f.hits[0], 1);
  EXPECT_EQ(f.max_cell[0], 3);
  EXPECT_EQ(f.max_cell[1], 7);
  EXPECT_EQ(f.max_cell[2], 11);
  // Layer 11 lies in the second third [8, 17).
  EXPECT_DOUBLE_EQ(f.thirds[0], 0.0);
  EXPECT_DOUBLE_EQ(f.thirds[1], 1.0);
  EXPECT_DOUBLE_EQ(f.thirds[2], 0.0);
  EXPECT_FLOAT_EQ(f.Profile(0, 2)[11], 2.0f);
  EXPECT_FLOAT_EQ(f.Profile(0, 0)[3], 2.0f);
  // 2 GeV passes every threshold 1e-13 ... 1 GeV.
  for (int t = 0; t < kSparsityPoints; ++t) EXPECT_FLOAT_EQ(f.sparsity[t], 1.0f / kCellsPerShower);
  // log10(2) = 0.301 -> bin floor((0.301 + 12) / 13 * 100) = 94.
  ASSERT_EQ(f.spectrum_index[0], 0);
  for (int b = 0; b < kSpectrumBins; ++b) EXPECT_EQ(f.spectra[b], b == 94 ? 1u : 0u) << b;
}

TEST(ShowerFeaturesTest, TwoCellShowerHasKnownMoments) {
  auto s = EmptyShowers(2, 50.0f);
  // Event 1: 1 GeV at x = 2 and 3 GeV at x = 6 (same y, z), plus a cell below the hit threshold.
  s.Cell(1, 2, 12, 0) = 1.0f;
  s.Cell(1, 6, 12, 24) = 3.0f;
  s.Cell(1, 12, 12, 12) = 1e-4f;
  const ShowerFeatures f = ComputeShowerFeatures(s.View(), {});
  const double e = 4.0 + 1e-4;
  EXPECT_NEAR(f.ecal[1], e, 1e-7);
  const double m1x = (2 * 1.0 + 6 * 3.0 + 12 * 1e-4) / e;
  EXPECT_NEAR(f.m1[3 + 0], m1x, 1e-6);
  const double m2x =
      (std::pow(2 - m1x, 2) * 1.0 + std::pow(6 - m1x, 2) * 3.0 + std::pow(12 - m1x, 2) * 1e-4) / e;
  EXPECT_NEAR(f.m2[3 + 0], m2x, 1e-6);
  EXPECT_NEAR(f.m1[3 + 2], (24 * 3.0 + 12 * 1e-4) / e, 1e-6);
  EXPECT_EQ(f.hits[1], 2);
  EXPECT_EQ(f.max_cell[3 + 0], 6);
  EXPECT_EQ(f.max_cell[3 + 2], 24);
  EXPECT_NEAR(f.thirds[3 + 0], 1.0 / e, 1e-7);
  EXPECT_NEAR(f.thirds[3 + 2], 3.0 / e, 1e-7);
  // Sparsity at 1e-3 GeV: 2 of 15625 cells; at 1e-5: 3; at 1 GeV: only the 3 GeV cell.
  EXPECT_FLOAT_EQ(f.sparsity[kSparsityPoints + 10], 2.0f / kCellsPerShower);  // t = -3
  EXPECT_FLOAT_EQ(f.sparsity[kSparsityPoints + 8], 3.0f / kCellsPerShower);   // t = -5
  EXPECT_FLOAT_EQ(f.sparsity[kSparsityPoints + 13], 1.0f / kCellsPerShower);  // t = 0
  // The empty event 0 has zero moments and no spectrum row was requested.
  EXPECT_DOUBLE_EQ(f.ecal[0], 0.0);
  EXPECT_DOUBLE_EQ(f.m1[0], 0.0);
  EXPECT_EQ(f.spectrum_index[1], -1);
}

}  // namespace
}  // namespace cascade::physics
