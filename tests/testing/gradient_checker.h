// Caffe-style finite-difference gradient checker for Cascade layers on oneDNN (f32).
//
// The scalar objective is L = Σ_i w_i·y_i with fixed random weights w (so every output element
// contributes and no two share a gradient). Analytic gradients come from one Backward() with
// diff_dst = w; numeric ones from central differences (L(x+h) − L(x−h)) / 2h, L accumulated in
// double. An element passes when |analytic − numeric| ≤ tolerance · max(|analytic|, |numeric|, 1).
// Elements of the *input* within `kink` of 0 are skipped, for ReLU-like layers whose derivative
// jumps there. Every forward runs with the same dropout seed, so Dropout masks repeat.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/nn/layer.h"

namespace cascade::testing {

struct GradientCheckOptions {
  float step = 1e-2f;
  float tolerance = 1e-3f;
  float kink = 0.f;
  int max_checks_per_tensor = 48;  // sampled indices per tensor (all if the tensor is smaller)
  uint64_t seed = 1;
  float input_min = -1.f, input_max = 1.f;
  bool training = true;
  bool check_input = true;  // also check d L / d input
  bool check_params = true;
  uint64_t param_seed = 7;  // arena initialisation
  float param_scale = 0.f;  // if > 0, overwrite params with U(±param_scale) (e.g. zero biases)
  // For fused activations (Conv3d/Dense + ReLU): the kink sits at a pre-activation the checker
  // cannot see, so `kink` (on the input) does not help. With this on, an element is skipped
  // when its one-sided differences disagree beyond `tolerance`, i.e. a kink lies within ±step.
  // Only for piecewise-linear objectives: a curved one (sigmoid) would skip real checks.
  bool skip_kinks = false;
};

struct GradientCheckResult {
  int checked = 0;
  int failed = 0;
  double max_error = 0;  // largest scaled error seen
  std::string first_failure;
  int skipped = 0;  // elements skipped by skip_kinks
};

// Builds a Sequential of `layers` for an input of `input_dims` (plain NCDHW / NC), allocates
// and initialises its parameters, and compares analytic to numeric gradients.
GradientCheckResult CheckGradients(std::vector<std::unique_ptr<nn::Layer>> layers,
                                   const nn::Dims& input_dims, const GradientCheckOptions& opts);

}  // namespace cascade::testing
