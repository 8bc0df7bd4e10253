#include "common/nn/rmsprop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace cascade::nn {
namespace {

TEST(RmsPropTest, DefaultsAreKeras2) {
  RmsProp opt(3);
  EXPECT_DOUBLE_EQ(opt.lr(), 1e-3);
  EXPECT_DOUBLE_EQ(opt.options().rho, 0.9);
  EXPECT_DOUBLE_EQ(opt.options().epsilon, 1e-7);
  ASSERT_EQ(opt.accumulators().size(), 3u);
  for (float a : opt.accumulators()) EXPECT_EQ(a, 0.f);
  opt.set_lr(0.5);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.5);
}

TEST(RmsPropTest, TwoStepsByHand) {
  RmsProp opt(2, {.lr = 0.01, .rho = 0.9, .epsilon = 1e-7});
  std::vector<float> p{1.f, -2.f};
  opt.Step(p, std::vector<float>{0.5f, -1.f});
  // a = 0.1·g²: 0.025, 0.1;  p −= 0.01·g/(√a + eps)
  EXPECT_NEAR(opt.accumulators()[0], 0.025, 1e-7);  // f32 state
  EXPECT_NEAR(opt.accumulators()[1], 0.1, 1e-7);    // f32 state
  const double p0 = 1.0 - 0.01 * 0.5 / (std::sqrt(0.025) + 1e-7);
  const double p1 = -2.0 + 0.01 * 1.0 / (std::sqrt(0.1) + 1e-7);
  EXPECT_NEAR(p[0], p0, 1e-6);
  EXPECT_NEAR(p[1], p1, 1e-6);

  opt.Step(p, std::vector<float>{0.2f, 0.f});
  const double a0 = 0.9 * 0.025 + 0.1 * 0.04, a1 = 0.9 * 0.1;
  EXPECT_NEAR(opt.accumulators()[0], a0, 1e-7);  // f32 state
  EXPECT_NEAR(opt.accumulators()[1], a1, 1e-7);  // f32 state
  EXPECT_NEAR(p[0], p0 - 0.01 * 0.2 / (std::sqrt(a0) + 1e-7), 1e-6);
  EXPECT_NEAR(p[1], p1, 1e-6);  // zero gradient: only the accumulator decays
}

TEST(RmsPropTest, RestoredAccumulatorsContinueTheTrajectory) {
  RmsProp a(4), b(4);
  std::vector<float> pa{1, 2, 3, 4}, g{0.1f, -0.2f, 0.3f, -0.4f};
  a.Step(pa, g);
  std::vector<float> pb = pa;
  std::copy(a.accumulators().begin(), a.accumulators().end(), b.accumulators().begin());
  a.Step(pa, g);
  b.Step(pb, g);
  EXPECT_EQ(pa, pb);
}

}  // namespace
}  // namespace cascade::nn
