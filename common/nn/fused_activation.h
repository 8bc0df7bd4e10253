// FusedActivation: an elementwise activation folded into a compute-bound primitive (Conv3d,
// Dense) as a oneDNN post-op, and its backward pass.
//
// Forward: PostOps() goes into the producer's primitive_attr, so dst = act(op(src)).
// Backward: the activation's derivative is taken from dst (the *_use_dst_for_bwd algorithms),
// so the pre-activation tensor is never stored: Backward() turns dL/d dst into dL/d pre-act,
// both in dst's layout (mixed layouts would drop oneDNN to its reference kernel, 20x slower).
// With kNone everything is a pass-through.
#pragma once

#include <dnnl.hpp>
#include <unordered_map>

#include "absl/status/status.h"
#include "common/nn/layer.h"

namespace cascade::nn {

class FusedActivation {
 public:
  FusedActivation(ActivationKind kind, float alpha) : kind_(kind), alpha_(alpha) {}

  bool enabled() const { return kind_ != ActivationKind::kNone; }
  // Empty when disabled.
  dnnl::post_ops PostOps() const;

  // Plans the backward for a producer whose output has layout `dst`; dL/d dst must arrive in
  // that layout, and dL/d pre-activation is written in it, into an owned buffer.
  absl::Status Init(const dnnl::memory::desc& dst, const dnnl::engine& engine);

  // Returns dL/d pre-activation (`diff_dst` itself when disabled). `dst` is the producer's output.
  const dnnl::memory& Backward(const dnnl::memory& dst, const dnnl::memory& diff_dst,
                               dnnl::stream& stream);

 private:
  ActivationKind kind_;
  float alpha_;
  dnnl::eltwise_backward bwd_;
  dnnl::memory diff_pre_;                       // dL/d pre-activation, in the `diff` layout
  std::unordered_map<int, dnnl::memory> args_;  // keys fixed at Init; Backward swaps values
};

}  // namespace cascade::nn
