#include "common/nn/rmsprop.h"

#include <cmath>

namespace cascade::nn {

RmsProp::RmsProp(int64_t num_params, RmsPropOptions options)
    : options_(options), accumulators_(num_params, 0.f) {}

void RmsProp::Step(std::span<float> params, std::span<const float> grads) {
  // f32 arithmetic, as Keras on TF does.
  const float lr = static_cast<float>(options_.lr);
  const float rho = static_cast<float>(options_.rho);
  const float eps = static_cast<float>(options_.epsilon);
  const int64_t n = static_cast<int64_t>(accumulators_.size());
  float* a = accumulators_.data();
  float* p = params.data();
  const float* g = grads.data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    a[i] = rho * a[i] + (1.f - rho) * g[i] * g[i];
    p[i] -= lr * g[i] / (std::sqrt(a[i]) + eps);
  }
}

}  // namespace cascade::nn
