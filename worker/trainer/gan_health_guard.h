// GanHealthGuard: watches one trial's step losses for the two ways GAN training dies without an
// error — a non-finite loss (NaN/Inf in any term of D's or G's updates), or a collapsed
// discriminator (its BCE on real and fake batches near 0 for many consecutive steps: D separates
// real from fake perfectly, so G's gradient through it vanishes and training cannot recover). The
// worker agent feeds it rank 0's losses (identical on every rank's gradient, so one rank's view
// is the group's) and rolls back to the last commit with a halved LR on a finding.
// Invariant: the collapse streak counts consecutive observations since construction or Reset().
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/gan/gan_trainer.h"

namespace cascade::trainer {

struct GanHealthOptions {
  bool enabled = true;
  double collapse_d_loss = 1e-3;  // D's mean BCE (real, fake) below this counts as collapsed
  int collapse_steps = 20;        // ... for this many consecutive observations
};

class GanHealthGuard {
 public:
  explicit GanHealthGuard(GanHealthOptions options = {}) : options_(options) {}

  // A one-line finding naming the loss term, its value and the step (`step` if >= 0, else the
  // observation's ordinal since Reset), or nullopt while healthy. A collapse is reported once,
  // when the streak reaches collapse_steps; the streak then starts over.
  std::optional<std::string> Observe(const gan::StepLosses& losses, int64_t step = -1);
  // After a rollback: forget the streak and the observation count.
  void Reset();

  int collapse_streak() const { return streak_; }

 private:
  GanHealthOptions options_;
  int streak_ = 0;
  int64_t observed_ = 0;
};

}  // namespace cascade::trainer
