#include "common/physics/validation_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cascade::physics {
namespace {

EnergyBinReport Bin(int64_t n, double sf_ref, double sf_cand, double std_ref, double std_cand) {
  EnergyBinReport b;
  b.n_reference = n;
  b.n_candidate = n;
  b.sf_reference = sf_ref;
  b.sf_candidate = sf_cand;
  b.sf_std_reference = std_ref;
  b.sf_std_candidate = std_cand;
  b.sf_relative_error = std::abs(sf_ref - sf_cand) / sf_ref;
  return b;
}

TEST(ValidationMetricsTest, MomentErrorAveragesRelativeErrorsAndSkipsZeroReferences) {
  // m1 off by 10% on x only; m2 off by 20% on z only; m2_y reference 0 is skipped (5 terms).
  const double e = MomentError({10, 12, 8}, {11, 12, 8}, {2, 0, 5}, {2, 7, 6});
  EXPECT_NEAR(e, (0.1 + 0.2) / 5.0, 1e-12);
  EXPECT_DOUBLE_EQ(MomentError({1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}), 0.0);
}

TEST(ValidationMetricsTest, ProfileErrorIsMeanRelativeErrorPerAxis) {
  std::vector<double> ref(75, 1.0), cand(75, 1.0);
  for (int i = 0; i < 25; ++i) cand[50 + i] = 1.5;  // z off by 50% everywhere
  ref[0] = 0.0;                                     // an empty reference cell is skipped
  cand[0] = 9.0;
  EXPECT_NEAR(ProfileError(ref, cand), 0.5 / 3.0, 1e-12);
}

TEST(ValidationMetricsTest, SamplingFractionMreAndErrorOnConstructedBins) {
  EnergyBinReport inclusive = Bin(300, 0.02, 0.03, 0.001, 0.001);
  inclusive.inclusive = true;  // excluded from the MRE, as in SelectEpoch
  const std::vector<EnergyBinReport> bins = {inclusive, Bin(100, 0.020, 0.021, 0.002, 0.004),
                                             Bin(200, 0.018, 0.0171, 0.001, 0.003)};
  const SamplingFractionMre r = ComputeSamplingFractionMre(bins);
  EXPECT_NEAR(r.mre, (0.05 + 0.05) / 2.0, 1e-12);
  const double v1 = (std::pow(0.004 / 0.020, 2) + std::pow(0.002 / 0.021, 2)) / 100.0;
  const double v2 = (std::pow(0.003 / 0.018, 2) + std::pow(0.001 / 0.0171, 2)) / 200.0;
  EXPECT_NEAR(r.error, std::sqrt((v1 + v2) / 2.0), 1e-12);
}

TEST(ValidationMetricsTest, EmptyBinsDoNotEnterTheMetrics) {
  EnergyBinReport empty = Bin(0, 0.0, 0.0, 0.0, 0.0);
  const std::vector<EnergyBinReport> bins = {Bin(10, 0.02, 0.022, 0.0, 0.0), empty};
  EXPECT_NEAR(ComputeSamplingFractionMre(bins).mre, 0.1, 1e-12);
}

TEST(ValidationMetricsTest, GanMetricCountsTheMomentTermOnceAndKeepsTheOriginal) {
  std::vector<EnergyBinReport> bins(3);
  for (auto& b : bins) b.n_reference = b.n_candidate = 10;
  bins[0].inclusive = true;
  bins[0].moment_error = 100.0;  // ignored
  bins[1].moment_error = 0.1;
  bins[1].profile_error = 0.3;
  bins[2].moment_error = 0.3;
  bins[2].profile_error = 0.5;
  const GanMetric m = CombineGanMetric(bins);
  EXPECT_NEAR(m.moment_term, 0.2, 1e-12);
  EXPECT_NEAR(m.profile_term, 0.4, 1e-12);
  EXPECT_NEAR(m.total, 0.6, 1e-12);
  EXPECT_NEAR(m.total_original_double_count, 0.8, 1e-12);
}

TEST(ValidationMetricsTest, EcalFitMatchesThePublishedValues) {
  // physics.md §2.1 quotes 4 digits: 0.0220 (2 GeV), 0.0202 (100), 0.0194 (200; the polynomial
  // gives 0.01935), 0.0181 (500).
  EXPECT_NEAR(EcalFitSamplingFraction(2.0), 0.0220, 1e-4);
  EXPECT_NEAR(EcalFitSamplingFraction(100.0), 0.0202, 1e-4);
  EXPECT_NEAR(EcalFitSamplingFraction(200.0), 0.0194, 1e-4);
  EXPECT_NEAR(EcalFitSamplingFraction(500.0), 0.0181, 1e-4);
}

}  // namespace
}  // namespace cascade::physics
