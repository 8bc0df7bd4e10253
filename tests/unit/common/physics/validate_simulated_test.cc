// Validate against the GFlash simulator of common/data (issue 3): two seeds of one detector agree
// on the sampling fraction; a thicker tungsten absorber does not.
#include <gtest/gtest.h>

#include <vector>

#include "common/data/shower_simulator.h"
#include "common/physics/validate.h"

namespace cascade::physics {
namespace {

constexpr int64_t kEvents = 600;
// The gate of this test (and a sensible `--fail-on-mre` for simulator-vs-simulator checks):
// with ~75 events per bin the statistical MRE is below 1%.
constexpr double kPassMre = 0.02;

struct Sample {
  std::vector<float> ecal, energy;
  ShowerView View() const { return ShowerView{kEvents, ecal, energy}; }
};

Sample Simulate(const data::GflashConfig& config, uint64_t seed) {
  auto sim = data::ShowerSimulator::Create(config);
  EXPECT_TRUE(sim.ok()) << sim.status();
  Sample s;
  s.ecal.resize(kEvents * kCellsPerShower);
  s.energy.resize(kEvents);
  sim->SimulateEvents(seed, 0, kEvents, 2.0, 500.0, 0, s.ecal.data(), s.energy.data());
  return s;
}

TEST(ValidateSimulatedTest, SameDetectorOtherSeedPasses) {
  const Sample a = Simulate(data::GflashConfig{}, 1), b = Simulate(data::GflashConfig{}, 2);
  const auto r = Validate(a.View(), b.View());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(r->sf_mre, kPassMre) << "error " << r->sf_mre_error;
  EXPECT_LT(r->gan_metric.moment_term, 0.05);
  RecordProperty("sf_mre", std::to_string(r->sf_mre));
}

TEST(ValidateSimulatedTest, ThickerTungstenFailsOnTheSamplingFraction) {
  data::GflashConfig thick;
  thick.absorber_mm = 2.8;  // vs 2.1 mm: less silicon per X0, so a lower sampling fraction
  const Sample a = Simulate(data::GflashConfig{}, 1), b = Simulate(thick, 2);
  const auto r = Validate(a.View(), b.View());
  ASSERT_TRUE(r.ok()) << r.status();
  RecordProperty("sf_mre", std::to_string(r->sf_mre));
  EXPECT_GT(r->sf_mre, kPassMre);
  EXPECT_GT(r->sf_mre, 3 * r->sf_mre_error);
  for (const EnergyBinReport& bin : r->bins) {
    if (bin.n_reference > 0) EXPECT_LT(bin.sf_candidate, bin.sf_reference) << bin.label;
  }
}

}  // namespace
}  // namespace cascade::physics
