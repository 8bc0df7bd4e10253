#include "common/nn/weighted_layer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::nn {

WeightedLayer::WeightedLayer(std::string name, WeightSpec weights, ActivationKind activation,
                             float alpha)
    : name_(std::move(name)), weights_(std::move(weights)), activation_(activation, alpha) {}

std::vector<TensorSpec> WeightedLayer::Params() const {
  std::vector<TensorSpec> specs{
      {"kernel", weights_.shape, weights_.init, weights_.fan_in, weights_.fan_out}};
  if (weights_.bias) specs.push_back({"bias", {weights_.shape[0]}, Initializer::kZeros});
  return specs;
}

void WeightedLayer::Bind(std::vector<std::span<float>> params, std::vector<std::span<float>> grads,
                         std::vector<std::span<float>>) {
  kernel_ = params.at(0);
  kernel_grad_ = grads.at(0);
  if (weights_.bias) {
    bias_ = params.at(1);
    bias_grad_ = grads.at(1);
  }
}

dnnl::memory::desc WeightedLayer::bias_desc() const {
  return weights_.bias ? PlainDesc({weights_.shape[0]}) : dnnl::memory::desc();
}

absl::Status WeightedLayer::Init(const dnnl::memory::desc& src, Device& device) {
  if (kernel_.empty() || (weights_.bias && bias_.empty())) {
    return absl::FailedPreconditionError("Init before the ParamArena bound the parameters");
  }
  device_ = &device;
  const dnnl::engine& engine = device.engine;
  dnnl::primitive_attr fwd_attr, bwd_attr;
  fwd_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  bwd_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  fwd_attr.set_post_ops(activation_.PostOps());
  try {
    CASCADE_ASSIGN_OR_RETURN(Plans plans, PlanPrimitives(src, fwd_attr, bwd_attr, engine));
    fwd_pd_ = plans.fwd;
    fwd_ = dnnl::primitive(plans.fwd);
    bwd_data_ = dnnl::primitive(plans.bwd_data);
    bwd_weights_ = dnnl::primitive(plans.bwd_weights);
    src_desc_ = plans.fwd.src_desc(0);
    dst_ = dnnl::memory(plans.fwd.dst_desc(0), engine);
    diff_src_ = dnnl::memory(plans.bwd_data.diff_src_desc(0), engine);
    const size_t scratch_bytes = std::max({plans.fwd.scratchpad_desc().get_size(),
                                           plans.bwd_data.scratchpad_desc().get_size(),
                                           plans.bwd_weights.scratchpad_desc().get_size()});
    scratchpad_ = dnnl::memory({{static_cast<int64_t>(std::max<size_t>(scratch_bytes, 1))},
                                dnnl::memory::data_type::u8,
                                dnnl::memory::format_tag::a},
                               engine);

    const auto plain_weights = PlainDesc(weights_.shape);
    kernel_mem_ = dnnl::memory(plain_weights, engine, kernel_.data());
    weights_fwd_.Plan(plain_weights, plans.fwd.weights_desc(0), engine);
    fwd_weights_ = weights_fwd_.active() ? &weights_fwd_.buffer() : &kernel_mem_;
    weights_bwd_.Plan(plans.fwd.weights_desc(0), plans.bwd_data.weights_desc(0), engine);
    src_bwd_.Plan(src_desc_, plans.bwd_weights.src_desc(0), engine);
    CASCADE_RETURN_IF_ERROR(activation_.Init(dst_.get_desc(), engine));
    diff_dst_desc_ = activation_.enabled() ? dst_.get_desc() : plans.bwd_data.diff_dst_desc(0);
    diff_dst_data_.Plan(diff_dst_desc_, plans.bwd_data.diff_dst_desc(0), engine);
    diff_dst_bwd_.Plan(diff_dst_desc_, plans.bwd_weights.diff_dst_desc(0), engine);

    const auto diff_weights_desc = plans.bwd_weights.diff_weights_desc(0);
    diff_weights_out_.Plan(diff_weights_desc, plain_weights, engine, kernel_grad_.data());
    diff_weights_ = diff_weights_out_.active()
                        ? dnnl::memory(diff_weights_desc, engine)
                        : dnnl::memory(plain_weights, engine, kernel_grad_.data());

    fwd_args_ = {{DNNL_ARG_SRC, {}},
                 {DNNL_ARG_WEIGHTS, *fwd_weights_},
                 {DNNL_ARG_DST, dst_},
                 {DNNL_ARG_SCRATCHPAD, scratchpad_}};
    bwd_data_args_ = {{DNNL_ARG_DIFF_DST, {}},
                      {DNNL_ARG_WEIGHTS, {}},
                      {DNNL_ARG_DIFF_SRC, diff_src_},
                      {DNNL_ARG_SCRATCHPAD, scratchpad_}};
    bwd_weights_args_ = {{DNNL_ARG_SRC, {}},
                         {DNNL_ARG_DIFF_DST, {}},
                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights_},
                         {DNNL_ARG_SCRATCHPAD, scratchpad_}};
    if (weights_.bias) {
      bias_mem_ = dnnl::memory(bias_desc(), engine, bias_.data());
      bias_grad_mem_ = dnnl::memory(bias_desc(), engine, bias_grad_.data());
      fwd_args_[DNNL_ARG_BIAS] = bias_mem_;
      bwd_weights_args_[DNNL_ARG_DIFF_BIAS] = bias_grad_mem_;
    }
  } catch (const dnnl::error& e) {
    return absl::InvalidArgumentError(absl::StrCat("oneDNN could not plan the layer: ", e.what()));
  }
  return absl::OkStatus();
}

void WeightedLayer::Forward(const dnnl::memory& src, const ForwardArgs&) {
  dnnl::stream& stream = device_->stream;
  weights_fwd_.Run(kernel_mem_, stream);  // the arena copy may have changed since last step
  fwd_args_[DNNL_ARG_SRC] = src;
  fwd_.execute(stream, fwd_args_);
}

void WeightedLayer::Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                             const BackwardArgs& args) {
  dnnl::stream& stream = device_->stream;
  const dnnl::memory& diff_pre = activation_.Backward(dst_, diff_dst, stream);
  if (args.need_diff_src) {
    bwd_data_args_[DNNL_ARG_DIFF_DST] = diff_dst_data_.Run(diff_pre, stream);
    bwd_data_args_[DNNL_ARG_WEIGHTS] = weights_bwd_.Run(*fwd_weights_, stream);
    bwd_data_.execute(stream, bwd_data_args_);
  }
  if (args.need_param_grads) {
    bwd_weights_args_[DNNL_ARG_SRC] = src_bwd_.Run(src, stream);
    bwd_weights_args_[DNNL_ARG_DIFF_DST] = diff_dst_bwd_.Run(diff_pre, stream);
    bwd_weights_.execute(stream, bwd_weights_args_);
    diff_weights_out_.Run(diff_weights_, stream);
  }
}

}  // namespace cascade::nn
