// The composed 3DGAN: parameter counts of every variant, output shapes and invariants.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "common/gan/discriminator.h"
#include "common/gan/generator.h"
#include "common/gan/model_summary.h"

namespace cascade::gan {
namespace {

struct CountCase {
  Filters filters;
  nn::BnAxis axis;
  int64_t g_total, d_total;
};

class ParamCountTest : public ::testing::TestWithParam<CountCase> {};

// The published counts (physics.md §4.3): only BN over the last spatial axis reproduces them.
TEST_P(ParamCountTest, MatchesPublishedTotals) {
  ModelConfig config;
  config.filters = GetParam().filters;
  config.bn_axis = GetParam().axis;
  auto summary = Summarize(config);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ((*summary)[0].total(), GetParam().g_total);
  EXPECT_EQ((*summary)[1].total(), GetParam().d_total);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, ParamCountTest,
    ::testing::Values(CountCase{Filters::kOriginal, nn::BnAxis::kLastSpatial, 872736, 73646},
                      CountCase{Filters::kOriginal, nn::BnAxis::kChannel, 872948, 73450},
                      CountCase{Filters::kMultipleOf16, nn::BnAxis::kLastSpatial, 1042276, 174966},
                      CountCase{Filters::kMultipleOf16, nn::BnAxis::kChannel, 1042528, 174866},
                      // Counted by hand from the layer list (docs/model.md), like the others.
                      CountCase{Filters::kTiny, nn::BnAxis::kLastSpatial, 652992, 17458},
                      CountCase{Filters::kTiny, nn::BnAxis::kChannel, 652964, 17214}));

TEST(GeneratorTest, ProducesNonNegativeShowersOfTheRightShape) {
  nn::Device device;
  ModelConfig config;
  Generator g(config);
  nn::ParamArena arena;
  g.RegisterParams(arena);
  arena.Allocate();
  arena.Initialize(3);
  ASSERT_TRUE(g.Init(2, device).ok());
  std::vector<float> z(2 * 200);
  for (size_t i = 0; i < z.size(); ++i) z[i] = std::sin(0.37f * i);
  dnnl::memory zm(nn::PlainDesc({2, 200}), device.engine, z.data());
  const auto& y = g.Forward(zm, {.training = false});
  EXPECT_EQ(y.get_desc(), nn::PlainDesc({2, 1, 25, 25, 25}));
  const auto cells = nn::ReadToPlain(y, device.stream);
  EXPECT_TRUE(std::all_of(cells.begin(), cells.end(), [](float v) { return v >= 0.f; }));
  EXPECT_GT(std::accumulate(cells.begin(), cells.end(), 0.0), 0.0);
}

TEST(DiscriminatorTest, HeadsHaveTheirRangesAndEcalIsTheInputSum) {
  nn::Device device;
  for (auto axis : {nn::BnAxis::kLastSpatial, nn::BnAxis::kChannel}) {
    ModelConfig config;
    config.bn_axis = axis;
    Discriminator d(config);
    nn::ParamArena arena;
    d.RegisterParams(arena);
    arena.Allocate();
    arena.Initialize(5);
    ASSERT_TRUE(d.Init(2, device).ok());
    std::vector<float> x(2 * 15625);
    double sum0 = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = std::abs(std::cos(0.01f * i));
      if (i < 15625) sum0 += x[i];
    }
    dnnl::memory xm(nn::PlainDesc({2, 1, 25, 25, 25}), device.engine, x.data());
    const auto& out = d.Forward(xm, {.training = true, .dropout_seed = 9});
    for (int n = 0; n < 2; ++n) {
      EXPECT_GT(out.p[n], 0.f);
      EXPECT_LT(out.p[n], 1.f);
      EXPECT_TRUE(std::isfinite(out.aux[n]));
    }
    EXPECT_NEAR(out.ecal[0], sum0, 1e-3 * sum0);
    // The ecal head's gradient reaches every input cell unchanged.
    std::vector<float> zero(2, 0.f), one(2, 1.f);
    const auto& dx =
        d.Backward(zero, zero, one, {.need_diff_src = true, .need_param_grads = false});
    const auto g = nn::ReadToPlain(dx, device.stream);
    EXPECT_FLOAT_EQ(g[0], 1.f);
    EXPECT_FLOAT_EQ(g[2 * 15625 - 1], 1.f);
  }
}

}  // namespace
}  // namespace cascade::gan
