// Reshape: Keras Reshape / Flatten on plain tensors — (N, ...) → (N, per_sample_dims...).
// No copy: dst() aliases the src buffer (set_data_handle in Forward) and diff_src() aliases the
// incoming gradient (in Backward), so both are valid only while those buffers are. Before the
// first Forward()/Backward() their handles are null.
#pragma once

#include <string>

#include "common/nn/layer.h"

namespace cascade::nn {

class Reshape : public Layer {
 public:
  Reshape(std::string name, Dims per_sample_dims);

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
  Dims per_sample_dims_;
  dnnl::memory::desc src_desc_;  // plain (N, ...)
  dnnl::memory dst_, diff_src_;  // handles borrowed from src / diff_dst
};

}  // namespace cascade::nn
