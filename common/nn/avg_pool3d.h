// AvgPool3d: Keras AveragePooling3D(size) on NCDHW — kernel = stride = size over (D, H, W),
// valid padding, floor mode (23 → 11; trailing rows that do not fill a window are dropped and
// get zero gradient). oneDNN pooling, run in the layout it is offered (bandwidth-bound).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/nn/layer.h"

namespace cascade::nn {

class AvgPool3d : public Layer {
 public:
  explicit AvgPool3d(std::string name, int64_t size = 2);

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
  int64_t size_;
  Device* device_ = nullptr;
  dnnl::memory::desc src_desc_;
  dnnl::memory dst_, diff_src_;
  dnnl::pooling_forward fwd_;
  dnnl::pooling_backward bwd_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;  // built once; inputs swapped in
};

}  // namespace cascade::nn
