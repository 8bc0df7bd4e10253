// CERN's trained 3DGAN (Keras 2.0.4, channels_last, BN per channel; ../shared/3dgan_artifacts)
// loaded into Cascade's model must generate the showers the original generates. Reference
// statistics: the artifacts' README (an independent port, matching the authors' plot legends).
// A wrong axis mapping (kernel transpose, Dense→Reshape order, Flatten order) gives errors of
// order 1 in these numbers; statistical tolerances below are ≥ 4 standard errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>

#include "common/gan/discriminator.h"
#include "common/gan/keras_weights.h"
#include "common/gan/shower_sampler.h"
#include "tests/testing/source_dir.h"

namespace cascade::gan {
namespace {

namespace fs = std::filesystem;

fs::path Artifacts() {
  const char* src = cascade::testing::SourceDir();
  return fs::path(src ? src : ".") / ".." / "shared" / "3dgan_artifacts";
}

ModelConfig CernConfig() {
  ModelConfig c;
  c.bn_axis = nn::BnAxis::kChannel;
  c.xscale = 1.f;  // the 2017 generator draws GeV directly
  return c;
}

struct ShowerStats {
  double ecal_mean = 0, bary_x = 0, bary_y = 0;
  int peak_layer = 0;
};

ShowerStats Measure(const std::vector<float>& cells, int64_t n) {
  ShowerStats s;
  std::vector<double> z_profile(25, 0.0);
  double total = 0, wx = 0, wy = 0;
  for (int64_t e = 0; e < n; ++e) {
    for (int x = 0; x < 25; ++x) {
      for (int y = 0; y < 25; ++y) {
        for (int z = 0; z < 25; ++z) {
          const double v = cells[e * 15625 + (x * 25 + y) * 25 + z];
          total += v;
          wx += x * v;
          wy += y * v;
          z_profile[z] += v;
        }
      }
    }
  }
  s.ecal_mean = total / n;
  s.bary_x = wx / total;
  s.bary_y = wy / total;
  s.peak_layer =
      static_cast<int>(std::max_element(z_profile.begin(), z_profile.end()) - z_profile.begin());
  return s;
}

class CernWeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    generator_ = Artifacts() / "veganweights__params_generator_epoch_049.hdf5";
    discriminator_ = Artifacts() / "veganweights__params_discriminator_epoch_049.hdf5";
    if (!fs::exists(generator_)) GTEST_SKIP() << "CERN weights not found at " << generator_;
  }
  fs::path generator_, discriminator_;
};

TEST_F(CernWeightsTest, GeneratesPhysicalShowersAt100And300GeV) {
  nn::Device device;
  ShowerSampler sampler(CernConfig(), 50);
  ASSERT_TRUE(sampler.Init(device).ok());
  ASSERT_TRUE(ImportKerasGenerator(generator_.string(), sampler.arena()).ok());
  std::mt19937_64 rng(2017);
  const int64_t n = 100;

  const std::vector<float> e100(n, 100.f), e300(n, 300.f);
  auto s100 = sampler.Sample(e100, rng);
  auto s300 = sampler.Sample(e300, rng);
  ASSERT_TRUE(s100.ok() && s300.ok());
  const ShowerStats a = Measure(*s100, n), b = Measure(*s300, n);

  // README: Ecal 1.43 ± 0.57 GeV at 100, 5.45 ± 1.62 at 300 (std over showers).
  EXPECT_NEAR(a.ecal_mean, 1.43, 0.25);
  EXPECT_NEAR(b.ecal_mean, 5.45, 0.65);
  EXPECT_GT(b.ecal_mean / 300.0, 0.012);  // sampling fraction of order 0.02
  EXPECT_LT(b.ecal_mean / 300.0, 0.025);
  // Barycentre near cell 12 (README: x 12.62 / 12.07, y 11.79 / 12.02).
  EXPECT_NEAR(a.bary_x, 12.62, 0.3);
  EXPECT_NEAR(a.bary_y, 11.79, 0.3);
  EXPECT_NEAR(b.bary_x, 12.07, 0.3);
  EXPECT_NEAR(b.bary_y, 12.02, 0.3);
  // Longitudinal peak: layer 13 at 100 GeV, 14 at 300 GeV — deeper with energy.
  EXPECT_NEAR(a.peak_layer, 13, 1);
  EXPECT_NEAR(b.peak_layer, 14, 1);
  EXPECT_GE(b.peak_layer, a.peak_layer);
}

TEST_F(CernWeightsTest, DiscriminatorRegressesTheEnergyOfGeneratedShowers) {
  nn::Device device;
  const int64_t n = 50;
  ShowerSampler sampler(CernConfig(), n);
  ASSERT_TRUE(sampler.Init(device).ok());
  ASSERT_TRUE(ImportKerasGenerator(generator_.string(), sampler.arena()).ok());
  Discriminator d(CernConfig());
  nn::ParamArena arena;
  d.RegisterParams(arena);
  arena.Allocate();
  ASSERT_TRUE(ImportKerasDiscriminator(discriminator_.string(), arena).ok());
  ASSERT_TRUE(d.Init(n, device).ok());

  std::mt19937_64 rng(49);
  auto showers = sampler.Sample(std::vector<float>(n, 300.f), rng);
  ASSERT_TRUE(showers.ok());
  dnnl::memory x(nn::PlainDesc({n, 1, 25, 25, 25}), device.engine, showers->data());
  const auto& out = d.Forward(x, {.training = false});
  const double aux = 100.0 * std::accumulate(out.aux.begin(), out.aux.end(), 0.0) / n;
  const double p = std::accumulate(out.p.begin(), out.p.end(), 0.0) / n;
  // README: energy head × 100 = 269 GeV and real/fake score 0.362 at 300 GeV.
  EXPECT_NEAR(aux, 269.0, 30.0);
  EXPECT_NEAR(p, 0.362, 0.1);
}

}  // namespace
}  // namespace cascade::gan
