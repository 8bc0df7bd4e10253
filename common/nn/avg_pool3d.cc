#include "common/nn/avg_pool3d.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cascade::nn {

AvgPool3d::AvgPool3d(std::string name, int64_t size) : name_(std::move(name)), size_(size) {}

absl::Status AvgPool3d::Init(const dnnl::memory::desc& src, Device& device) {
  const Dims dims = src.dims();
  if (dims.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("AvgPool3d '", name_, "' needs an NCDHW input, got rank ", dims.size()));
  }
  if (size_ < 1 || dims[2] < size_ || dims[3] < size_ || dims[4] < size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("AvgPool3d '", name_, "': pool size ", size_, " does not fit the input"));
  }
  device_ = &device;
  src_desc_ = src;
  // Floor mode: out = ⌊(in − size)/size⌋ + 1, with no padding on either side.
  const Dims out{dims[0], dims[1], (dims[2] - size_) / size_ + 1, (dims[3] - size_) / size_ + 1,
                 (dims[4] - size_) / size_ + 1};
  const Dims window{size_, size_, size_}, zero{0, 0, 0};
  const auto algo = dnnl::algorithm::pooling_avg_exclude_padding;  // no padding: plain mean
  try {
    dnnl::pooling_forward::primitive_desc fwd_pd(
        {dnnl::prop_kind::forward_training, algo, src_desc_, AnyDesc(out), window, window, zero,
         zero},
        device.engine);
    dnnl::pooling_backward::primitive_desc bwd_pd(
        {algo, src_desc_, fwd_pd.dst_desc(), window, window, zero, zero}, device.engine, fwd_pd);
    fwd_ = dnnl::pooling_forward(fwd_pd);
    bwd_ = dnnl::pooling_backward(bwd_pd);
    dst_ = dnnl::memory(fwd_pd.dst_desc(), device.engine);
    diff_src_ = dnnl::memory(bwd_pd.diff_src_desc(), device.engine);
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat("AvgPool3d '", name_, "' oneDNN: ", e.what()));
  }
  fwd_args_ = {{DNNL_ARG_SRC, dnnl::memory()}, {DNNL_ARG_DST, dst_}};
  bwd_args_ = {{DNNL_ARG_DIFF_DST, dnnl::memory()}, {DNNL_ARG_DIFF_SRC, diff_src_}};
  return absl::OkStatus();
}

void AvgPool3d::Forward(const dnnl::memory& src, const ForwardArgs& /*args*/) {
  fwd_args_.at(DNNL_ARG_SRC) = src;
  fwd_.execute(device_->stream, fwd_args_);
}

void AvgPool3d::Backward(const dnnl::memory& /*src*/, const dnnl::memory& diff_dst,
                         const BackwardArgs& args) {
  if (!args.need_diff_src) return;
  bwd_args_.at(DNNL_ARG_DIFF_DST) = diff_dst;
  bwd_.execute(device_->stream, bwd_args_);
}

}  // namespace cascade::nn
