#include "common/nn/upsample3d.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::nn {

UpSample3d::UpSample3d(std::string name, std::array<int64_t, 3> factors)
    : name_(std::move(name)), factors_(factors) {}

absl::Status UpSample3d::Init(const dnnl::memory::desc& src, Device& device) {
  const Dims in = src.dims();
  if (in.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("UpSample3d wants (N, C, D, H, W), got (", absl::StrJoin(in, ", "), ")"));
  }
  Dims out = in;
  for (int a = 0; a < 3; ++a) {
    if (factors_[a] < 1) return absl::InvalidArgumentError("UpSample3d factors must be >= 1");
    out[2 + a] *= factors_[a];
  }
  device_ = &device;
  const auto alg = dnnl::algorithm::resampling_nearest;
  try {
    // Dims fix the (integer) factors; no float factors are passed, so none can round.
    const dnnl::resampling_forward::primitive_desc fwd_pd(
        dnnl::resampling_forward::desc(dnnl::prop_kind::forward_training, alg, src, AnyDesc(out)),
        device.engine);
    const dnnl::resampling_backward::primitive_desc bwd_pd(
        dnnl::resampling_backward::desc(alg, src, fwd_pd.dst_desc()), device.engine, fwd_pd);
    fwd_ = dnnl::resampling_forward(fwd_pd);
    bwd_ = dnnl::resampling_backward(bwd_pd);
    src_desc_ = fwd_pd.src_desc();
    diff_dst_desc_ = bwd_pd.diff_dst_desc();
    dst_ = dnnl::memory(fwd_pd.dst_desc(), device.engine);
    diff_src_ = dnnl::memory(bwd_pd.diff_src_desc(), device.engine);
  } catch (const dnnl::error& e) {
    return absl::InvalidArgumentError(absl::StrCat("oneDNN could not plan UpSample3d: ", e.what()));
  }
  fwd_args_ = {{DNNL_ARG_SRC, {}}, {DNNL_ARG_DST, dst_}};
  bwd_args_ = {{DNNL_ARG_DIFF_DST, {}}, {DNNL_ARG_DIFF_SRC, diff_src_}};
  return absl::OkStatus();
}

void UpSample3d::Forward(const dnnl::memory& src, const ForwardArgs&) {
  fwd_args_[DNNL_ARG_SRC] = src;
  fwd_.execute(device_->stream, fwd_args_);
}

void UpSample3d::Backward(const dnnl::memory&, const dnnl::memory& diff_dst,
                          const BackwardArgs& args) {
  if (!args.need_diff_src) return;
  bwd_args_[DNNL_ARG_DIFF_DST] = diff_dst;
  bwd_.execute(device_->stream, bwd_args_);
}

}  // namespace cascade::nn
