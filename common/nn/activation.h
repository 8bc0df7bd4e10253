// Activation: a standalone elementwise nonlinearity (ReLU, LeakyReLU(alpha), sigmoid) on
// oneDNN eltwise. Bandwidth-bound, so it runs in whatever layout it is offered (src, dst,
// diff_dst and diff_src all share it) and never causes a reorder.
#pragma once

#include <string>
#include <unordered_map>

#include "common/nn/layer.h"

namespace cascade::nn {

class Activation : public Layer {
 public:
  // `alpha` is the negative slope of kLeakyRelu (Keras LeakyReLU default 0.3); unused otherwise.
  Activation(std::string name, ActivationKind kind, float alpha = 0.3f);

  std::string name() const override { return name_; }
  absl::Status Init(const dnnl::memory::desc& src, Device& device) override;

  dnnl::memory::desc src_desc() const override { return desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return desc_; }
  const dnnl::memory& diff_src() const override { return diff_src_; }

  void Forward(const dnnl::memory& src, const ForwardArgs& args) override;
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override;

 private:
  std::string name_;
  ActivationKind kind_;
  float alpha_;
  Device* device_ = nullptr;
  dnnl::memory::desc desc_;
  dnnl::memory dst_, diff_src_;
  dnnl::eltwise_forward fwd_;
  dnnl::eltwise_backward bwd_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;  // built once; src swapped in
};

}  // namespace cascade::nn
