// SpecLayer: a Layer that only declares tensors (names and shapes), for tests of code that
// consumes a ParamArena (weight import, checkpoints) without building the real model. It cannot
// run: Init() returns Unimplemented and Forward()/Backward() do nothing.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/nn/layer.h"

namespace cascade::testing {

class SpecLayer : public nn::Layer {
 public:
  SpecLayer(std::string name, std::vector<nn::TensorSpec> params,
            std::vector<nn::TensorSpec> buffers = {})
      : name_(std::move(name)), params_(std::move(params)), buffers_(std::move(buffers)) {}

  std::string name() const override { return name_; }
  std::vector<nn::TensorSpec> Params() const override { return params_; }
  std::vector<nn::TensorSpec> Buffers() const override { return buffers_; }

  absl::Status Init(const dnnl::memory::desc&, nn::Device&) override {
    return absl::UnimplementedError("SpecLayer '" + name_ + "' only declares tensors");
  }
  dnnl::memory::desc src_desc() const override { return {}; }
  const dnnl::memory& dst() const override { return none_; }
  dnnl::memory::desc diff_dst_desc() const override { return {}; }
  const dnnl::memory& diff_src() const override { return none_; }
  void Forward(const dnnl::memory&, const nn::ForwardArgs&) override {}
  void Backward(const dnnl::memory&, const dnnl::memory&, const nn::BackwardArgs&) override {}

 private:
  std::string name_;
  std::vector<nn::TensorSpec> params_, buffers_;
  dnnl::memory none_;
};

}  // namespace cascade::testing
