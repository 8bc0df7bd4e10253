#include "common/nn/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

namespace cascade::nn {
namespace {

using Loss =
    std::function<double(std::span<const float>, std::span<const float>, std::span<float>)>;

// Central differences of the loss value in double-rounded float inputs.
void ExpectGradientMatchesFiniteDifferences(const Loss& loss, std::vector<float> p,
                                            const std::vector<float>& y) {
  std::vector<float> grad(p.size()), scratch(p.size());
  loss(p, y, grad);
  const float h = 1e-3f;
  for (size_t i = 0; i < p.size(); ++i) {
    const float saved = p[i];
    p[i] = saved + h;
    const double lp = loss(p, y, scratch);
    p[i] = saved - h;
    const double lm = loss(p, y, scratch);
    p[i] = saved;
    const double numeric = (lp - lm) / (static_cast<double>(saved + h) - (saved - h));
    EXPECT_NEAR(grad[i], numeric, 2e-3 * std::max(1.0, std::abs(numeric))) << i;
  }
}

TEST(BinaryCrossEntropyTest, ValueByHand) {
  const std::vector<float> p{0.9f, 0.2f, 0.6f}, y{1.f, 0.f, 1.f};
  std::vector<float> dp(3);
  const double expected = -(std::log(0.9) + std::log(0.8) + std::log(0.6)) / 3;
  EXPECT_NEAR(BinaryCrossEntropy(p, y, dp), expected, 1e-6);
  EXPECT_NEAR(dp[0], -1 / (0.9 * 3), 1e-6);
  EXPECT_NEAR(dp[1], 1 / (0.8 * 3), 1e-6);
}

TEST(BinaryCrossEntropyTest, GradientMatchesFiniteDifferences) {
  ExpectGradientMatchesFiniteDifferences(BinaryCrossEntropy, {0.3f, 0.7f, 0.5f, 0.05f},
                                         {1.f, 0.f, 0.95f, 0.05f});  // BitFlip-free soft labels too
}

TEST(BinaryCrossEntropyTest, ClipsAndStopsGradient) {
  const std::vector<float> p{0.f, 1.f}, y{1.f, 0.f};
  std::vector<float> dp(2, 5.f);
  // Both terms are −log(1e-7) (up to the float value of 1 − 1e-7).
  EXPECT_NEAR(BinaryCrossEntropy(p, y, dp), -std::log(1e-7), 1e-6);
  EXPECT_EQ(dp[0], 0.f);
  EXPECT_EQ(dp[1], 0.f);
}

TEST(MeanAbsolutePercentageErrorTest, ValueByHand) {
  const std::vector<float> p{1.1f, 2.f, -1.f}, y{1.f, 4.f, 0.f};
  std::vector<float> dp(3);
  // |−0.1|/1, 2/4, 1/1e-7 → 100·mean
  const double expected = 100.0 * (std::abs(1.0 - 1.1f) + 0.5 + 1e7) / 3;
  EXPECT_NEAR(MeanAbsolutePercentageError(p, y, dp), expected, 1e-6 * expected);
  EXPECT_NEAR(dp[0], 100.0 / 3, 1e-4);           // p > y
  EXPECT_NEAR(dp[1], -100.0 / (4 * 3), 1e-4);    // p < y
  EXPECT_NEAR(dp[2], -100.0 / (1e-7 * 3), 1e3);  // y = 0 uses the epsilon floor
}

TEST(MeanAbsolutePercentageErrorTest, GradientMatchesFiniteDifferences) {
  ExpectGradientMatchesFiniteDifferences(MeanAbsolutePercentageError, {0.5f, 2.2f, -0.4f, 3.f},
                                         {0.7f, 2.f, -0.5f, -1.f});
}

TEST(MeanAbsolutePercentageErrorTest, ZeroErrorZeroGradient) {
  const std::vector<float> p{0.25f}, y{0.25f};
  std::vector<float> dp(1, 9.f);
  EXPECT_EQ(MeanAbsolutePercentageError(p, y, dp), 0.0);
  EXPECT_EQ(dp[0], 0.f);
}

}  // namespace
}  // namespace cascade::nn
