// WeightedLayer: the shared machinery of layers that are one compute-bound oneDNN op with a
// learnable weight, an optional bias and an optional fused activation (Conv3d, Dense).
//
// A subclass only plans its three primitive descriptors (forward_training, backward_data,
// backward_weights) with `format_tag::any` for src, weights and dst; this class owns
// everything else, planned once at Init:
//   - weights live plain in the ParamArena and may change between steps (optimizer, gradient
//     checker), so every Forward reorders them into the op's chosen layout; Backward reuses
//     that copy (reordering again only if backward_data chose yet another layout);
//   - the activation is a forward post-op; Backward first turns dL/d dst into dL/d pre-act,
//     in dst's layout (so diff_dst_desc() == dst layout when an activation is fused);
//   - diff_weights is computed in the op's layout and reordered into the plain grad span,
//     diff_bias is written straight into its grad span (overwritten, never accumulated);
//   - one user-mode scratchpad serves the three primitives (they never run concurrently).
// After Init, Forward/Backward create no memory, primitive or descriptor.
#pragma once

#include <dnnl.hpp>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "common/nn/fused_activation.h"
#include "common/nn/layer.h"
#include "common/nn/planned_reorder.h"

namespace cascade::nn {

class WeightedLayer : public Layer {
 public:
  struct WeightSpec {
    Dims shape;  // plain: (O, I, kD, kH, kW) or (out, in)
    int64_t fan_in = 0, fan_out = 0;
    Initializer init = Initializer::kGlorotUniform;
    bool bias = true;
  };

  std::string name() const override { return name_; }
  std::vector<TensorSpec> Params() const override;
  void Bind(std::vector<std::span<float>> params, std::vector<std::span<float>> grads,
            std::vector<std::span<float>> buffers) override;
  absl::Status Init(const dnnl::memory::desc& src, Device& device) final;

  dnnl::memory::desc src_desc() const override { return src_desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return diff_dst_desc_; }
  const dnnl::memory& diff_src() const override { return diff_src_; }

  void Forward(const dnnl::memory& src, const ForwardArgs& args) override;
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override;

  // The weights layout the forward primitive chose (for tests and layout reports).
  dnnl::memory::desc forward_weights_desc() const { return fwd_pd_.weights_desc(0); }

 protected:
  struct Plans {
    dnnl::primitive_desc fwd, bwd_data, bwd_weights;
  };

  WeightedLayer(std::string name, WeightSpec weights, ActivationKind activation, float alpha);

  // Checks `src` and plans the three primitives. `fwd_attr` carries the activation post-op
  // and user scratchpad mode; `bwd_attr` only the scratchpad mode. Weights/dst/diffs use
  // `any`; the bias (if any) is the plain 1-D desc `bias_desc()`.
  virtual absl::StatusOr<Plans> PlanPrimitives(const dnnl::memory::desc& src,
                                               const dnnl::primitive_attr& fwd_attr,
                                               const dnnl::primitive_attr& bwd_attr,
                                               const dnnl::engine& engine) const = 0;

  const WeightSpec& weight_spec() const { return weights_; }
  dnnl::memory::desc bias_desc() const;

 private:
  std::string name_;
  WeightSpec weights_;
  FusedActivation activation_;
  Device* device_ = nullptr;
  std::span<float> kernel_, kernel_grad_, bias_, bias_grad_;  // plain, in the ParamArena

  dnnl::primitive_desc fwd_pd_;
  dnnl::primitive fwd_, bwd_data_, bwd_weights_;
  dnnl::memory::desc src_desc_, diff_dst_desc_;
  dnnl::memory dst_, diff_src_, scratchpad_;
  dnnl::memory kernel_mem_, bias_mem_, bias_grad_mem_;  // views of the arena spans
  dnnl::memory diff_weights_;                           // in backward_weights' layout
  const dnnl::memory* fwd_weights_ = nullptr;           // kernel in the forward layout
  PlannedReorder weights_fwd_;                          // plain kernel -> forward layout
  PlannedReorder weights_bwd_;                          // forward layout -> backward_data layout
  PlannedReorder src_bwd_;           // forward src layout -> backward_weights src layout
  PlannedReorder diff_dst_data_;     // diff_dst_desc_ -> backward_data diff_dst layout
  PlannedReorder diff_dst_bwd_;      // diff_dst_desc_ -> backward_weights diff_dst layout
  PlannedReorder diff_weights_out_;  // backward_weights layout -> plain grad span
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_data_args_, bwd_weights_args_;
};

}  // namespace cascade::nn
