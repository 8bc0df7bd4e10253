// Conv3d: Keras Conv3D (stride 1, channels_first) on oneDNN, with an optional fused
// ZeroPadding3D in front and an optional fused activation behind.
//
// Shapes: src (N, I, D, H, W) -> dst (N, O, D', H', W') with D' = D + pad_l + pad_r - kD + 1
// per axis, where pad = (TF `same` padding, if chosen) + extra_pad. Params: "kernel"
// (O, I, kD, kH, kW) plain, "bias" (O) unless bias = false. src, weights and dst take the
// layouts oneDNN prefers (blocked); see WeightedLayer for the plan-once rules.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/nn/weighted_layer.h"

namespace cascade::nn {

struct Conv3dOptions {
  int64_t in_channels = 0, out_channels = 0;
  std::array<int64_t, 3> kernel{1, 1, 1};  // (kD, kH, kW)
  // kSame = TensorFlow 'same': for even kernels the extra zero goes on the right/back
  // (pad_l = (k-1)/2, pad_r = k-1-pad_l).
  enum class Padding { kValid, kSame } padding = Padding::kValid;
  std::array<int64_t, 3> extra_pad_l{0, 0, 0};  // a fused ZeroPadding3D before the conv
  std::array<int64_t, 3> extra_pad_r{0, 0, 0};
  bool bias = true;
  ActivationKind activation = ActivationKind::kNone;  // kNone, kRelu, kLeakyRelu
  float alpha = 0.3f;                                 // LeakyReLU slope (Keras default 0.3)
  Initializer kernel_init = Initializer::kGlorotUniform;
};

class Conv3d : public WeightedLayer {
 public:
  Conv3d(std::string name, Conv3dOptions options);

  const Conv3dOptions& options() const { return options_; }
  // Total zero padding before / after each spatial axis (D, H, W).
  Dims padding_l() const;
  Dims padding_r() const;

 protected:
  absl::StatusOr<Plans> PlanPrimitives(const dnnl::memory::desc& src,
                                       const dnnl::primitive_attr& fwd_attr,
                                       const dnnl::primitive_attr& bwd_attr,
                                       const dnnl::engine& engine) const override;

 private:
  Conv3dOptions options_;
};

}  // namespace cascade::nn
