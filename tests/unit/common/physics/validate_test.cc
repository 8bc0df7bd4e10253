#include "common/physics/validate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "toy_showers.h"

namespace cascade::physics {
namespace {

using testing::ToyElectronShowers;
using testing::ToyShowers;

constexpr int64_t kEvents = 120;

const EnergyBinReport& FindBin(const ValidationReport& r, const std::string& label) {
  for (const auto& b : r.bins) {
    if (b.label == label) return b;
  }
  ADD_FAILURE() << "no bin " << label;
  return r.bins.front();
}

TEST(ValidateTest, IdenticalSamplesAgreePerfectly) {
  const ToyShowers s = ToyElectronShowers(kEvents, 1);
  const auto r = Validate(s.View(), s.View());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->n_reference, kEvents);
  EXPECT_DOUBLE_EQ(r->sf_mre, 0.0);
  EXPECT_DOUBLE_EQ(r->gan_metric.total, 0.0);
  EXPECT_NEAR(r->max_separation_power, 0.0, 1e-12);
  EXPECT_GT(r->sf_mre_error, 0.0);
  ASSERT_EQ(r->bins.size(), DefaultEnergyBins().size());
  EXPECT_TRUE(r->bins[0].inclusive);
  EXPECT_EQ(r->bins[0].n_reference, kEvents);
  int64_t exclusive = 0;
  for (size_t b = 1; b < r->bins.size(); ++b) exclusive += r->bins[b].n_reference;
  EXPECT_EQ(exclusive, kEvents);  // default bins tile 2-500 GeV
}

TEST(ValidateTest, ReportsEveryObservableOfPhysicsSection2) {
  const ToyShowers s = ToyElectronShowers(kEvents, 2);
  const auto r = Validate(s.View(), ToyElectronShowers(kEvents, 3).View());
  ASSERT_TRUE(r.ok()) << r.status();
  std::set<std::string> names;
  for (const auto& o : r->bins[0].observables) {
    names.insert(o.name);
    EXPECT_EQ(o.x.size(), o.reference.size()) << o.name;
    EXPECT_EQ(o.x.size(), o.candidate_error.size()) << o.name;
    EXPECT_EQ(o.separation_power.has_value(), o.kind != "curve") << o.name;
  }
  for (const char* n : {"x_profile",
                        "y_profile",
                        "z_profile",
                        "sampling_fraction",
                        "ecal_sum",
                        "hits",
                        "m1_x",
                        "m1_y",
                        "m1_z",
                        "m2_x",
                        "m2_y",
                        "m2_z",
                        "max_cell_x",
                        "max_cell_y",
                        "max_cell_z",
                        "depth_fraction_first",
                        "depth_fraction_second",
                        "depth_fraction_third",
                        "cell_spectrum",
                        "sparsity"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  EXPECT_EQ(r->sampling_fraction_vs_energy.x.size(), 100u);
  // Toy showers follow GetEcalFit: the inclusive mean SF lies in the 3DGAN band 0.018-0.022.
  EXPECT_GT(r->bins[0].sf_reference, 0.018);
  EXPECT_LT(r->bins[0].sf_reference, 0.022);
  // The barycentre sits on the central cell.
  EXPECT_NEAR(r->bins[0].m1_reference[0], 12.0, 0.3);
}

TEST(ValidateTest, ScaledCandidateShowsTheSamplingFractionShift) {
  const ToyShowers ref = ToyElectronShowers(kEvents, 4);
  ToyShowers cand = ref;
  for (float& c : cand.ecal) c *= 1.1f;
  const auto r = Validate(ref.View(), cand.View());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->sf_mre, 0.1, 1e-5);                  // every bin's mean SF is 10% high
  EXPECT_NEAR(r->gan_metric.moment_term, 0.0, 1e-5);  // a global scale moves no moment
  EXPECT_NEAR(r->gan_metric.profile_term, 0.1, 1e-5);
  EXPECT_GT(r->max_separation_power, 0.1);
  EXPECT_NEAR(FindBin(*r, "100-200 GeV").sf_relative_error, 0.1, 1e-5);
  EXPECT_DOUBLE_EQ(*r->Objective(), r->sf_mre);
  EXPECT_DOUBLE_EQ(*r->Objective("gan_metric_original"), r->gan_metric.total_original_double_count);
  EXPECT_FALSE(r->Objective("nope").ok());
}

TEST(ValidateTest, ScalarsOnlyModeMatchesFullMode) {
  const ToyShowers ref = ToyElectronShowers(kEvents, 5), cand = ToyElectronShowers(kEvents, 6);
  ValidationOptions scalars;
  scalars.keep_observables = false;
  const auto a = Validate(ref.View(), cand.View());
  const auto b = Validate(ref.View(), cand.View(), scalars);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_DOUBLE_EQ(a->sf_mre, b->sf_mre);
  EXPECT_DOUBLE_EQ(a->gan_metric.total, b->gan_metric.total);
  EXPECT_TRUE(b->bins[1].observables.empty());
}

TEST(ValidateTest, RejectsInconsistentOrInvalidInput) {
  ToyShowers s = ToyElectronShowers(4, 7);
  ShowerView bad = s.View();
  bad.n = 5;
  EXPECT_EQ(Validate(bad, s.View()).status().code(), absl::StatusCode::kInvalidArgument);
  ShowerView empty;
  EXPECT_EQ(Validate(s.View(), empty).status().code(), absl::StatusCode::kInvalidArgument);
  ToyShowers nan = s;
  nan.Cell(2, 1, 1, 1) = std::numeric_limits<float>::quiet_NaN();
  const auto r = Validate(s.View(), nan.View());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("candidate event 2"), std::string_view::npos) << r.status();
  ToyShowers negative_ep = s;
  negative_ep.energy[0] = -1.0f;
  EXPECT_EQ(Validate(negative_ep.View(), s.View()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateTest, FailsWhenNoEnergyBinHoldsBothSamples) {
  ToyShowers low = testing::EmptyShowers(3, 5.0f), high = testing::EmptyShowers(3, 450.0f);
  EXPECT_EQ(Validate(low.View(), high.View()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ValidateTest, ThreeDGanBinsSelectPlusMinusFiveGeV) {
  ToyShowers s = ToyElectronShowers(kEvents, 8);
  for (int64_t e = 0; e < s.n; ++e) s.energy[e] = e % 2 ? 100.0f + (e % 9) - 4.0f : 300.0f;
  ValidationOptions o;
  o.energy_bins = ThreeDGanEnergyBins();
  const auto r = Validate(s.View(), s.View(), o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindBin(*r, "100±5 GeV").n_reference, kEvents / 2);
  EXPECT_EQ(FindBin(*r, "300±5 GeV").n_reference, kEvents / 2);
  EXPECT_EQ(FindBin(*r, "50±5 GeV").n_reference, 0);
}

}  // namespace
}  // namespace cascade::physics
