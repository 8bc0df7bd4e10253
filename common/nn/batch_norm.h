// BatchNorm: Keras 2.0 BatchNormalization on oneDNN, over either the channel axis or the last
// spatial axis (see BnAxis and docs/model.md for why the published 3DGAN needs the latter).
//
// Invariants: gamma/beta (trainable) and moving_mean/moving_variance (buffers) have
// `features` elements; features == C (kChannel) or == W, the last dim (kLastSpatial).
// kChannel keeps whatever layout it is offered (blocked included); kLastSpatial needs a plain
// src and views it as (N·C·D·H, W) so oneDNN's per-"channel" statistics become per-W.
//
// Training forward uses batch statistics (biased variance, as tf.nn.moments) and then updates
//   moving = momentum·moving + (1 − momentum)·batch
// for both mean and variance. The variance fed into the moving average is the *biased* batch
// variance: Keras 2.0 semantics (Keras ≥ 2.1.3 switched to the unbiased one).
// Inference forward normalises with the moving statistics. Backward differentiates whichever
// mode the last Forward() ran in (batch statistics after training, moving ones after inference).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/nn/layer.h"

namespace cascade::nn {

struct BatchNormOptions {
  BnAxis axis = BnAxis::kChannel;
  int64_t features = 0;
  float momentum = 0.99f;
  float epsilon = 1e-3f;
};

class BatchNorm : public Layer {
 public:
  BatchNorm(std::string name, BatchNormOptions options);

  std::string name() const override { return name_; }
  std::vector<TensorSpec> Params() const override;
  std::vector<TensorSpec> Buffers() const override;
  void Bind(std::vector<std::span<float>> params, std::vector<std::span<float>> grads,
            std::vector<std::span<float>> buffers) override;

  absl::Status Init(const dnnl::memory::desc& src, Device& device) override;

  dnnl::memory::desc src_desc() const override { return src_desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return src_desc_; }
  const dnnl::memory& diff_src() const override { return diff_src_; }

  void Forward(const dnnl::memory& src, const ForwardArgs& args) override;
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override;

  const BatchNormOptions& options() const { return options_; }
  // Statistics of the last training-mode batch, (features).
  std::span<const float> batch_mean() const;
  std::span<const float> batch_variance() const;

 private:
  using Args = std::unordered_map<int, dnnl::memory>;
  void UpdateMovingStatistics();

  std::string name_;
  BatchNormOptions options_;
  std::span<float> gamma_, beta_, dgamma_, dbeta_, moving_mean_, moving_variance_;

  Device* device_ = nullptr;
  dnnl::memory::desc src_desc_;  // what Forward() takes: offered (kChannel) or plain
  dnnl::memory dst_, diff_src_;  // in src_desc_
  // What the primitives see: the tensors themselves (kChannel) or their 2-D (rows, W) views.
  dnnl::memory src_view_, dst_view_, diff_dst_view_, diff_src_view_;
  dnnl::memory gamma_mem_, beta_mem_, dgamma_mem_, dbeta_mem_, scratch_dgamma_, scratch_dbeta_;
  dnnl::memory moving_mean_mem_, moving_variance_mem_, batch_mean_mem_, batch_variance_mem_;
  dnnl::batch_normalization_forward fwd_training_, fwd_inference_;
  dnnl::batch_normalization_backward bwd_training_, bwd_inference_;
  Args fwd_training_args_, fwd_inference_args_, bwd_training_args_, bwd_inference_args_;
  bool last_forward_training_ = false;
};

}  // namespace cascade::nn
