#include "common/nn/losses.h"

#include <algorithm>
#include <cmath>

namespace cascade::nn {
namespace {
constexpr double kEpsilon = 1e-7;  // Keras K.epsilon()
}  // namespace

double BinaryCrossEntropy(std::span<const float> p, std::span<const float> y, std::span<float> dp) {
  const size_t n = p.size();
  if (n == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double raw = p[i];
    const double pc = std::clamp(raw, kEpsilon, 1.0 - kEpsilon);
    const double yi = y[i];
    sum -= yi * std::log(pc) + (1.0 - yi) * std::log(1.0 - pc);
    const bool clipped = raw < kEpsilon || raw > 1.0 - kEpsilon;
    dp[i] = clipped ? 0.f : static_cast<float>((-yi / pc + (1.0 - yi) / (1.0 - pc)) / n);
  }
  return sum / n;
}

double MeanAbsolutePercentageError(std::span<const float> pred, std::span<const float> y,
                                   std::span<float> dpred) {
  const size_t n = pred.size();
  if (n == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double diff = static_cast<double>(y[i]) - pred[i];
    const double denom = std::max(std::abs(static_cast<double>(y[i])), kEpsilon);
    sum += std::abs(diff) / denom;
    const double sign = diff < 0 ? 1.0 : (diff > 0 ? -1.0 : 0.0);  // d|y − p|/dp
    dpred[i] = static_cast<float>(100.0 * sign / (denom * n));
  }
  return 100.0 * sum / n;
}

}  // namespace cascade::nn
