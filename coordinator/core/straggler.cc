#include "coordinator/core/straggler.h"

#include <algorithm>

namespace cascade::coordinator {

bool StragglerTracker::Observe(double step_seconds, std::vector<double> others) {
  if (others.empty() || step_seconds <= 0) return false;
  std::sort(others.begin(), others.end());
  const size_t n = others.size();
  const double median = n % 2 == 1 ? others[n / 2] : (others[n / 2 - 1] + others[n / 2]) / 2;
  if (step_seconds > kStragglerFactor * median) {
    ++slow_streak_;
    normal_streak_ = 0;
  } else {
    ++normal_streak_;
    slow_streak_ = 0;
  }
  if (!flagged_ && slow_streak_ >= kStragglerStreak) {
    flagged_ = true;
    return true;
  }
  if (flagged_ && normal_streak_ >= kStragglerStreak) {
    flagged_ = false;
    return true;
  }
  return false;
}

}  // namespace cascade::coordinator
