// Dense: Keras Dense on oneDNN inner_product, with an optional fused activation.
//
// Shapes: src (N, in_features) -> dst (N, out_features). Params: "kernel" (out, in) plain
// (fan_in = in, fan_out = out), "bias" (out) unless bias = false. Note the kernel is the
// transpose of the Keras (in, out) matrix; the Keras importer transposes.
#pragma once

#include <cstdint>
#include <string>

#include "common/nn/weighted_layer.h"

namespace cascade::nn {

struct DenseOptions {
  int64_t in_features = 0, out_features = 0;
  bool bias = true;
  Initializer init = Initializer::kGlorotUniform;
  ActivationKind activation = ActivationKind::kNone;  // kNone, kSigmoid, kRelu, kLeakyRelu
  float alpha = 0.3f;
};

class Dense : public WeightedLayer {
 public:
  Dense(std::string name, DenseOptions options);

  const DenseOptions& options() const { return options_; }

 protected:
  absl::StatusOr<Plans> PlanPrimitives(const dnnl::memory::desc& src,
                                       const dnnl::primitive_attr& fwd_attr,
                                       const dnnl::primitive_attr& bwd_attr,
                                       const dnnl::engine& engine) const override;

 private:
  DenseOptions options_;
};

}  // namespace cascade::nn
