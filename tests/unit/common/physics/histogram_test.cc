#include "common/physics/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cascade::physics {
namespace {

TEST(HistogramTest, FillsBinsAndKeepsOutOfRangeEntriesInFlows) {
  Histogram h(4, 0.0, 2.0);
  h.Fill(0.1);
  h.Fill(0.6, 2.0);
  h.Fill(1.99);
  h.Fill(-1.0);
  h.Fill(2.0);  // upper edge is exclusive
  h.Fill(std::numeric_limits<double>::quiet_NaN());
  EXPECT_DOUBLE_EQ(h.counts()[0], 1.0);
  EXPECT_DOUBLE_EQ(h.counts()[1], 2.0);
  EXPECT_DOUBLE_EQ(h.sumw2()[1], 4.0);
  EXPECT_DOUBLE_EQ(h.counts()[3], 1.0);
  EXPECT_DOUBLE_EQ(h.underflow(), 1.0);
  EXPECT_DOUBLE_EQ(h.overflow(), 2.0);
  EXPECT_DOUBLE_EQ(h.Total(), 7.0);
  EXPECT_EQ(h.Edges(), (std::vector<double>{0.0, 0.5, 1.0, 1.5, 2.0}));
}

TEST(SeparationPowerTest, IsZeroForIdenticalShapes) {
  EXPECT_DOUBLE_EQ(SeparationPower({1, 2, 3, 0}, {2, 4, 6, 0}), 0.0);
  Histogram a(10, 0, 1), b(10, 0, 1);
  for (int i = 0; i < 100; ++i) {
    a.Fill(i / 100.0);
    b.Fill(i / 100.0, 3.0);
  }
  EXPECT_NEAR(SeparationPower(a, b), 0.0, 1e-15);
}

TEST(SeparationPowerTest, IsOneForDisjointHistograms) {
  EXPECT_DOUBLE_EQ(SeparationPower({5, 5, 0, 0}, {0, 0, 1, 7}), 1.0);
  Histogram a(10, 0, 1), b(10, 0, 1);
  a.Fill(0.05);
  b.Fill(5.0);  // overflow only: still counted, so still disjoint
  EXPECT_DOUBLE_EQ(SeparationPower(a, b), 1.0);
}

TEST(SeparationPowerTest, MatchesHandComputedValue) {
  // p = (1, 0), q = (1/2, 1/2): S = 1/2 [(1/2)^2/(3/2) + (1/2)^2/(1/2)] = 1/3.
  EXPECT_NEAR(SeparationPower({1, 0}, {1, 1}), 1.0 / 3.0, 1e-15);
}

TEST(SeparationPowerTest, HandlesEmptyHistograms) {
  EXPECT_DOUBLE_EQ(SeparationPower({0, 0}, {0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(SeparationPower({0, 0}, {1, 0}), 1.0);
}

}  // namespace
}  // namespace cascade::physics
