// RmsProp: Keras 2 RMSprop over one flat parameter block (ParamArena::params()):
//   a ← rho·a + (1 − rho)·g²;   p ← p − lr·g / (√a + epsilon)
// Invariant: accumulators() has num_params entries (initially 0), aligned with the params;
// it is the optimizer state a checkpoint must save and restore.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cascade::nn {

struct RmsPropOptions {
  double lr = 1e-3;
  double rho = 0.9;
  double epsilon = 1e-7;
};

class RmsProp {
 public:
  explicit RmsProp(int64_t num_params, RmsPropOptions options = {});

  // One update; params and grads must both have num_params entries.
  void Step(std::span<float> params, std::span<const float> grads);

  std::span<float> accumulators() { return accumulators_; }
  std::span<const float> accumulators() const { return accumulators_; }
  double lr() const { return options_.lr; }
  void set_lr(double lr) { options_.lr = lr; }
  const RmsPropOptions& options() const { return options_; }

 private:
  RmsPropOptions options_;
  std::vector<float> accumulators_;
};

}  // namespace cascade::nn
