// Keras 2 losses used by the 3DGAN. Each returns the loss value (mean over the batch, i.e. over
// all elements for one output per sample, accumulated in double) and *overwrites* `d...` with
// dL/dprediction of that mean. All spans must have the same length (checked by the caller).
#pragma once

#include <span>

namespace cascade::nn {

// −mean(y·log p + (1 − y)·log(1 − p)), p clipped to [1e-7, 1 − 1e-7] (Keras epsilon); the
// gradient is 0 where p was clipped (clip_by_value passes no gradient there).
double BinaryCrossEntropy(std::span<const float> p, std::span<const float> y, std::span<float> dp);

// 100·mean(|y − p| / max(|y|, 1e-7)). The gradient at p == y is 0 (sign(0), as TF's abs).
double MeanAbsolutePercentageError(std::span<const float> pred, std::span<const float> y,
                                   std::span<float> dpred);

}  // namespace cascade::nn
