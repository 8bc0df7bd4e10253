// StragglerTracker: flags a rank that is persistently slower than the rest of its group. Each
// timed heartbeat compares the rank's mean step time with the median of the other members'
// latest means (the others only, so a group of two can flag its slow half): more than
// kStragglerFactor times slower counts as slow. kStragglerStreak slow heartbeats in a row set the
// flag; as many normal ones in a row clear it. Pure; one tracker per worker and generation.
#pragma once

#include <vector>

namespace cascade::coordinator {

inline constexpr double kStragglerFactor = 1.5;
inline constexpr int kStragglerStreak = 3;

class StragglerTracker {
 public:
  // Returns true when the flag changed. `others` are the other members' mean step seconds
  // (members without timing yet are left out); no others -> no judgement.
  bool Observe(double step_seconds, std::vector<double> others);
  bool flagged() const { return flagged_; }
  void Reset() { *this = StragglerTracker(); }

 private:
  int slow_streak_ = 0;
  int normal_streak_ = 0;
  bool flagged_ = false;
};

}  // namespace cascade::coordinator
