// GanHealthGuard on synthetic losses: non-finite terms, a collapsed discriminator, streak resets.
#include "worker/trainer/gan_health_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

namespace cascade::trainer {
namespace {

using ::testing::HasSubstr;

gan::StepLosses Healthy() {
  gan::StepLosses l;
  l.d_real = {0.9, 0.6, 0.2, 0.1};
  l.d_fake = {0.8, 0.7, 0.05, 0.05};
  l.g[0] = l.g[1] = {2.0, 1.2, 0.5, 0.3};
  return l;
}

gan::StepLosses Collapsed(double bce) {
  gan::StepLosses l = Healthy();
  l.d_real.bce = bce;
  l.d_fake.bce = bce;
  return l;
}

TEST(GanHealthGuardTest, HealthyLossesPass) {
  GanHealthGuard guard;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(guard.Observe(Healthy(), i), std::nullopt);
}

TEST(GanHealthGuardTest, NonFiniteTermIsNamedWithValueAndStep) {
  GanHealthGuard guard;
  gan::StepLosses l = Healthy();
  l.g[1].bce = std::numeric_limits<double>::quiet_NaN();
  auto finding = guard.Observe(l, 1234);
  ASSERT_TRUE(finding.has_value());
  EXPECT_THAT(*finding, HasSubstr("g[1].bce"));
  EXPECT_THAT(*finding, HasSubstr("nan"));
  EXPECT_THAT(*finding, HasSubstr("step 1234"));

  l = Healthy();
  l.d_fake.ecal = -std::numeric_limits<double>::infinity();
  finding = guard.Observe(l);  // no step given: the observation's ordinal
  ASSERT_TRUE(finding.has_value());
  EXPECT_THAT(*finding, HasSubstr("d_fake.ecal_mape = -inf"));
  EXPECT_THAT(*finding, HasSubstr("observation 2"));
}

TEST(GanHealthGuardTest, CollapseNeedsTheFullStreakBelowThreshold) {
  GanHealthGuard guard({.collapse_d_loss = 1e-3, .collapse_steps = 5});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(guard.Observe(Collapsed(1e-4), i), std::nullopt) << i;
  EXPECT_EQ(guard.collapse_streak(), 4);
  // One step at the threshold breaks the streak.
  EXPECT_EQ(guard.Observe(Collapsed(1e-3), 4), std::nullopt);
  EXPECT_EQ(guard.collapse_streak(), 0);
  for (int i = 5; i < 9; ++i) EXPECT_EQ(guard.Observe(Collapsed(5e-4), i), std::nullopt) << i;
  auto finding = guard.Observe(Collapsed(5e-4), 9);
  ASSERT_TRUE(finding.has_value());
  EXPECT_THAT(*finding, HasSubstr("discriminator collapsed"));
  EXPECT_THAT(*finding, HasSubstr("0.0005"));
  EXPECT_THAT(*finding, HasSubstr("5 consecutive steps up to step 9"));
  // Reported once; the next streak starts over.
  EXPECT_EQ(guard.Observe(Collapsed(5e-4), 10), std::nullopt);
}

TEST(GanHealthGuardTest, OnlyTheMeanOfBothDiscriminatorBcesCounts) {
  GanHealthGuard guard({.collapse_d_loss = 1e-3, .collapse_steps = 2});
  gan::StepLosses l = Healthy();
  l.d_real.bce = 0;  // D perfect on real showers only: mean 0.35, not collapsed
  EXPECT_EQ(guard.Observe(l), std::nullopt);
  EXPECT_EQ(guard.Observe(l), std::nullopt);
}

TEST(GanHealthGuardTest, ResetForgetsTheStreakAndDisabledSeesNothing) {
  GanHealthGuard guard({.collapse_d_loss = 1e-3, .collapse_steps = 3});
  EXPECT_EQ(guard.Observe(Collapsed(0)), std::nullopt);
  EXPECT_EQ(guard.Observe(Collapsed(0)), std::nullopt);
  guard.Reset();
  EXPECT_EQ(guard.Observe(Collapsed(0)), std::nullopt);
  EXPECT_EQ(guard.Observe(Collapsed(0)), std::nullopt);
  EXPECT_TRUE(guard.Observe(Collapsed(0)).has_value());

  GanHealthGuard off({.enabled = false});
  gan::StepLosses nan = Healthy();
  nan.d_real.total = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(off.Observe(nan), std::nullopt);
}

}  // namespace
}  // namespace cascade::trainer
