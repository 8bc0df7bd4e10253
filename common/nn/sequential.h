// Sequential: a chain of layers with every inter-layer reorder planned once at Init.
//
// Forward: the input arrives in the layout given to Init(); between layer i and i+1 a reorder
// exists only if layer i+1 asked for a layout other than layer i's dst (decided at Init).
// Backward: the incoming gradient is in dst_desc() (the layout of the output); gradients flow
// in exact reverse order, with the same planned reorders, and diff_src() comes back in the
// layout of the input given to Init().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/nn/layer.h"
#include "common/nn/layer_profiler.h"
#include "common/nn/param_arena.h"

namespace cascade::nn {

class Sequential {
 public:
  Sequential() = default;
  Sequential(Sequential&&) = default;
  Sequential& operator=(Sequential&&) = default;

  // Appends a layer; returns a typed pointer for callers that need it later.
  template <typename L>
  L* Add(std::unique_ptr<L> layer) {
    L* raw = layer.get();
    layers_.push_back(std::move(layer));
    return raw;
  }
  void RegisterParams(ParamArena& arena, const std::string& prefix);

  absl::Status Init(const dnnl::memory::desc& src, Device& device);

  // Returns the output (in dst_desc()).
  const dnnl::memory& Forward(const dnnl::memory& src, const ForwardArgs& args);
  // `diff_dst` in dst_desc(). Returns diff_src in the input layout (valid if need_diff_src).
  const dnnl::memory& Backward(const dnnl::memory& diff_dst, const BackwardArgs& args);

  dnnl::memory::desc dst_desc() const { return layers_.back()->dst().get_desc(); }
  const dnnl::memory& dst() const { return layers_.back()->dst(); }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  int num_planned_reorders() const;
  // Per-layer timing under `prefix` (e.g. "generator/"); nullptr turns it off.
  void set_profiler(LayerProfiler* profiler, std::string prefix) {
    profiler_ = profiler;
    profile_prefix_ = std::move(prefix);
  }

 private:
  struct Hop {  // moving data from one layout to another, planned once
    std::optional<dnnl::reorder> reorder;
    dnnl::memory buffer;  // destination of the reorder; unused when no reorder
  };
  const dnnl::memory& Run(Hop& hop, const dnnl::memory& from);
  static Hop Plan(const dnnl::memory::desc& from, const dnnl::memory::desc& to, Device& device);

  std::vector<std::unique_ptr<Layer>> layers_;
  Device* device_ = nullptr;
  std::vector<Hop> fwd_hops_;                // fwd_hops_[i]: into layer i's src_desc()
  std::vector<Hop> bwd_hops_;                // bwd_hops_[i]: into layer i's diff_dst_desc()
  Hop diff_out_hop_;                         // layer 0's diff_src -> the input layout
  std::vector<const dnnl::memory*> inputs_;  // what each layer saw in Forward()
  LayerProfiler* profiler_ = nullptr;
  std::string profile_prefix_;
};

}  // namespace cascade::nn
