// ZeroPad3d: Keras ZeroPadding3D (channels_first) as a standalone layer. The model fuses it
// into the following Conv3d's padding instead; this layer exists for models that cannot.
//
// Shapes: src (N, C, D, H, W) -> dst (N, C, D + l0 + r0, H + l1 + r1, W + l2 + r2).
// Layout: keeps the offered layout when it is plain, channels-last or channel-blocked (8/16);
// anything else is asked for plain. The border of dst is zeroed once at Init and never
// written again: Forward reorders src into the interior view of dst, Backward reorders the
// interior view of diff_dst into diff_src.
#pragma once

#include <array>
#include <cstdint>
#include <dnnl.hpp>
#include <optional>
#include <string>

#include "common/nn/layer.h"

namespace cascade::nn {

class ZeroPad3d : public Layer {
 public:
  ZeroPad3d(std::string name, std::array<int64_t, 3> pad_l, std::array<int64_t, 3> pad_r);

  std::string name() const override { return name_; }
  absl::Status Init(const dnnl::memory::desc& src, Device& device) override;

  dnnl::memory::desc src_desc() const override { return src_desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return dst_.get_desc(); }
  const dnnl::memory& diff_src() const override { return diff_src_; }

  void Forward(const dnnl::memory& src, const ForwardArgs& args) override;
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override;

 private:
  std::string name_;
  std::array<int64_t, 3> pad_l_, pad_r_;
  Device* device_ = nullptr;
  dnnl::memory::desc src_desc_;
  dnnl::memory dst_, diff_src_;
  dnnl::memory dst_interior_;         // view of dst_ without the border
  dnnl::memory::desc interior_desc_;  // the same view, applied to diff_dst in Backward
  std::optional<dnnl::reorder> fwd_, bwd_;
  dnnl::memory diff_dst_interior_;  // re-pointed at each Backward's diff_dst (no allocation)
};

}  // namespace cascade::nn
