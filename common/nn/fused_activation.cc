#include "common/nn/fused_activation.h"

#include "absl/strings/str_cat.h"

namespace cascade::nn {
namespace {

struct EltwiseSpec {
  dnnl::algorithm forward;   // the post-op
  dnnl::algorithm backward;  // derivative from dst
  float alpha;
};

EltwiseSpec SpecFor(ActivationKind kind, float alpha) {
  switch (kind) {
    case ActivationKind::kSigmoid:
      return {dnnl::algorithm::eltwise_logistic, dnnl::algorithm::eltwise_logistic_use_dst_for_bwd,
              0.f};
    case ActivationKind::kLeakyRelu:
      return {dnnl::algorithm::eltwise_relu, dnnl::algorithm::eltwise_relu_use_dst_for_bwd, alpha};
    case ActivationKind::kRelu:
    case ActivationKind::kNone:
      break;
  }
  return {dnnl::algorithm::eltwise_relu, dnnl::algorithm::eltwise_relu_use_dst_for_bwd, 0.f};
}

}  // namespace

dnnl::post_ops FusedActivation::PostOps() const {
  dnnl::post_ops ops;
  if (!enabled()) return ops;
  const EltwiseSpec spec = SpecFor(kind_, alpha_);
  ops.append_eltwise(1.f, spec.forward, spec.alpha, 0.f);
  return ops;
}

absl::Status FusedActivation::Init(const dnnl::memory::desc& dst, const dnnl::engine& engine) {
  if (!enabled()) return absl::OkStatus();
  // A leaky ReLU with alpha <= 0 cannot recover the sign of the pre-activation from dst.
  if (kind_ == ActivationKind::kLeakyRelu && !(alpha_ > 0.f)) {
    return absl::InvalidArgumentError(absl::StrCat("LeakyReLU alpha must be > 0, got ", alpha_));
  }
  const EltwiseSpec spec = SpecFor(kind_, alpha_);
  try {
    const dnnl::eltwise_forward::primitive_desc hint(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, spec.backward, dst,
                                    spec.alpha, 0.f),
        engine);
    const dnnl::eltwise_backward::primitive_desc pd(
        dnnl::eltwise_backward::desc(spec.backward, dst, dst, spec.alpha, 0.f), engine, hint);
    bwd_ = dnnl::eltwise_backward(pd);
    diff_pre_ = dnnl::memory(pd.diff_src_desc(), engine);
    args_ = {{DNNL_ARG_DST, {}}, {DNNL_ARG_DIFF_DST, {}}, {DNNL_ARG_DIFF_SRC, diff_pre_}};
  } catch (const dnnl::error& e) {
    return absl::InvalidArgumentError(absl::StrCat("fused activation backward: ", e.what()));
  }
  return absl::OkStatus();
}

const dnnl::memory& FusedActivation::Backward(const dnnl::memory& dst, const dnnl::memory& diff_dst,
                                              dnnl::stream& stream) {
  if (!enabled()) return diff_dst;
  args_[DNNL_ARG_DST] = dst;
  args_[DNNL_ARG_DIFF_DST] = diff_dst;
  bwd_.execute(stream, args_);
  return diff_pre_;
}

}  // namespace cascade::nn
