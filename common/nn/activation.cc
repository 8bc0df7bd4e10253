#include "common/nn/activation.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cascade::nn {

Activation::Activation(std::string name, ActivationKind kind, float alpha)
    : name_(std::move(name)), kind_(kind), alpha_(alpha) {}

absl::Status Activation::Init(const dnnl::memory::desc& src, Device& device) {
  dnnl::algorithm algo;
  float alpha = 0.f;
  switch (kind_) {
    case ActivationKind::kRelu:
      algo = dnnl::algorithm::eltwise_relu;
      break;
    case ActivationKind::kLeakyRelu:
      algo = dnnl::algorithm::eltwise_relu;  // oneDNN's relu alpha is the negative slope
      alpha = alpha_;
      break;
    case ActivationKind::kSigmoid:
      algo = dnnl::algorithm::eltwise_logistic;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Activation '", name_, "': kind must be relu, leaky relu or sigmoid"));
  }
  device_ = &device;
  desc_ = src;
  try {
    dnnl::eltwise_forward::primitive_desc fwd_pd(
        {dnnl::prop_kind::forward_training, algo, desc_, alpha, 0.f}, device.engine);
    dnnl::eltwise_backward::primitive_desc bwd_pd({algo, desc_, desc_, alpha, 0.f}, device.engine,
                                                  fwd_pd);
    fwd_ = dnnl::eltwise_forward(fwd_pd);
    bwd_ = dnnl::eltwise_backward(bwd_pd);
    dst_ = dnnl::memory(fwd_pd.dst_desc(), device.engine);
    diff_src_ = dnnl::memory(bwd_pd.diff_src_desc(), device.engine);
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat("Activation '", name_, "' oneDNN: ", e.what()));
  }
  fwd_args_ = {{DNNL_ARG_SRC, dnnl::memory()}, {DNNL_ARG_DST, dst_}};
  bwd_args_ = {{DNNL_ARG_SRC, dnnl::memory()},
               {DNNL_ARG_DIFF_DST, dnnl::memory()},
               {DNNL_ARG_DIFF_SRC, diff_src_}};
  return absl::OkStatus();
}

void Activation::Forward(const dnnl::memory& src, const ForwardArgs& /*args*/) {
  fwd_args_.at(DNNL_ARG_SRC) = src;
  fwd_.execute(device_->stream, fwd_args_);
}

void Activation::Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                          const BackwardArgs& args) {
  if (!args.need_diff_src) return;  // no parameters: nothing else to compute
  bwd_args_.at(DNNL_ARG_SRC) = src;
  bwd_args_.at(DNNL_ARG_DIFF_DST) = diff_dst;
  bwd_.execute(device_->stream, bwd_args_);
}

}  // namespace cascade::nn
