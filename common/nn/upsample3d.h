// UpSample3d: Keras UpSampling3D (channels_first): every element repeated factors[a] times
// along spatial axis a, on oneDNN nearest-neighbour resampling (for integer factors oneDNN's
// nearest rule, src = round((dst + 0.5) / f - 0.5), is exactly the repeat; the test checks).
//
// Shapes: src (N, C, D, H, W) -> dst (N, C, f0·D, f1·H, f2·W). Memory-bound, so it takes the
// offered layout and lets oneDNN pick the matching dst layout. Backward sums each f0·f1·f2
// block of diff_dst into one diff_src element.
#pragma once

#include <array>
#include <cstdint>
#include <dnnl.hpp>
#include <string>
#include <unordered_map>

#include "common/nn/layer.h"

namespace cascade::nn {

class UpSample3d : public Layer {
 public:
  UpSample3d(std::string name, std::array<int64_t, 3> factors);

  std::string name() const override { return name_; }
  absl::Status Init(const dnnl::memory::desc& src, Device& device) override;

  dnnl::memory::desc src_desc() const override { return src_desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return diff_dst_desc_; }
  const dnnl::memory& diff_src() const override { return diff_src_; }

  void Forward(const dnnl::memory& src, const ForwardArgs& args) override;
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override;

 private:
  std::string name_;
  std::array<int64_t, 3> factors_;
  Device* device_ = nullptr;
  dnnl::memory::desc src_desc_, diff_dst_desc_;
  dnnl::memory dst_, diff_src_;
  dnnl::resampling_forward fwd_;
  dnnl::resampling_backward bwd_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;  // keys fixed at Init
};

}  // namespace cascade::nn
