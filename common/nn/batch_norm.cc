#include "common/nn/batch_norm.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cascade::nn {
namespace {
using flags = dnnl::normalization_flags;
using prop = dnnl::prop_kind;

dnnl::memory Wrap(std::span<float> s, const dnnl::engine& engine) {
  return dnnl::memory(PlainDesc({static_cast<int64_t>(s.size())}), engine, s.data());
}
}  // namespace

BatchNorm::BatchNorm(std::string name, BatchNormOptions options)
    : name_(std::move(name)), options_(options) {}

std::vector<TensorSpec> BatchNorm::Params() const {
  return {{"gamma", {options_.features}, Initializer::kOnes},
          {"beta", {options_.features}, Initializer::kZeros}};
}

std::vector<TensorSpec> BatchNorm::Buffers() const {
  return {{"moving_mean", {options_.features}, Initializer::kZeros},
          {"moving_variance", {options_.features}, Initializer::kOnes}};
}

void BatchNorm::Bind(std::vector<std::span<float>> params, std::vector<std::span<float>> grads,
                     std::vector<std::span<float>> buffers) {
  gamma_ = params[0];
  beta_ = params[1];
  dgamma_ = grads[0];
  dbeta_ = grads[1];
  moving_mean_ = buffers[0];
  moving_variance_ = buffers[1];
}

absl::Status BatchNorm::Init(const dnnl::memory::desc& src, Device& device) {
  const Dims dims = src.dims();
  if (dims.size() < 2) return absl::InvalidArgumentError("BatchNorm needs a rank >= 2 input");
  const bool per_channel = options_.axis == BnAxis::kChannel;
  const int64_t axis_size = per_channel ? dims[1] : dims.back();
  if (options_.features != axis_size) {
    return absl::InvalidArgumentError(absl::StrCat("BatchNorm features ", options_.features,
                                                   " != size of the normalised axis ", axis_size));
  }
  if (gamma_.size() != static_cast<size_t>(options_.features) ||
      moving_mean_.size() != static_cast<size_t>(options_.features)) {
    return absl::FailedPreconditionError("BatchNorm::Init before Bind (register in a ParamArena)");
  }
  device_ = &device;
  const auto& engine = device.engine;

  // Layout the primitives run on: the tensor itself, or its (N·C·D·H, W) plain view.
  src_desc_ = per_channel ? src : PlainDesc(dims);
  // The (rows, W) view is described as 4-D (rows, W, 1, 1) in nhwc (acdb): the same bytes as
  // the 2-D nc desc, but oneDNN 2.6 then picks its nspc kernel, ~1.5x faster than the strided
  // ncsp one it runs for 2-D "ab" (W = 25 is too narrow for the jit kernels either way).
  const dnnl::memory::desc view =
      per_channel
          ? src_desc_
          : dnnl::memory::desc({NumElements(dims) / axis_size, axis_size, 1, 1},
                               dnnl::memory::data_type::f32, dnnl::memory::format_tag::acdb);
  dst_ = dnnl::memory(src_desc_, engine);
  diff_src_ = dnnl::memory(src_desc_, engine);
  src_view_ = dnnl::memory(view, engine, nullptr);
  diff_dst_view_ = dnnl::memory(view, engine, nullptr);
  dst_view_ = dnnl::memory(view, engine, dst_.get_data_handle());
  diff_src_view_ = dnnl::memory(view, engine, diff_src_.get_data_handle());

  gamma_mem_ = Wrap(gamma_, engine);
  beta_mem_ = Wrap(beta_, engine);
  dgamma_mem_ = Wrap(dgamma_, engine);
  dbeta_mem_ = Wrap(dbeta_, engine);
  moving_mean_mem_ = Wrap(moving_mean_, engine);
  moving_variance_mem_ = Wrap(moving_variance_, engine);
  const auto stat_desc = PlainDesc({options_.features});
  batch_mean_mem_ = dnnl::memory(stat_desc, engine);
  batch_variance_mem_ = dnnl::memory(stat_desc, engine);
  scratch_dgamma_ = dnnl::memory(stat_desc, engine);
  scratch_dbeta_ = dnnl::memory(stat_desc, engine);

  const float eps = options_.epsilon;
  const auto affine = flags::use_scale | flags::use_shift;
  const auto global = affine | flags::use_global_stats;
  try {
    dnnl::batch_normalization_forward::primitive_desc train_pd(
        {prop::forward_training, view, eps, affine}, engine);
    dnnl::batch_normalization_forward::primitive_desc infer_pd(
        {prop::forward_inference, view, eps, global}, engine);
    dnnl::batch_normalization_backward::primitive_desc bwd_train_pd(
        {prop::backward, view, view, eps, affine}, engine, train_pd);
    // The hint must be a forward_training pd; use_global_stats makes it read given stats.
    dnnl::batch_normalization_forward::primitive_desc global_train_pd(
        {prop::forward_training, view, eps, global}, engine);
    dnnl::batch_normalization_backward::primitive_desc bwd_infer_pd(
        {prop::backward, view, view, eps, global}, engine, global_train_pd);
    if (train_pd.dst_desc() != view || bwd_train_pd.diff_src_desc() != view) {
      return absl::InternalError("BatchNorm: oneDNN changed the data layout");
    }
    fwd_training_ = dnnl::batch_normalization_forward(train_pd);
    fwd_inference_ = dnnl::batch_normalization_forward(infer_pd);
    bwd_training_ = dnnl::batch_normalization_backward(bwd_train_pd);
    bwd_inference_ = dnnl::batch_normalization_backward(bwd_infer_pd);
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat("BatchNorm '", name_, "' oneDNN: ", e.what()));
  }

  const Args common = {
      {DNNL_ARG_SRC, src_view_}, {DNNL_ARG_SCALE, gamma_mem_}, {DNNL_ARG_SHIFT, beta_mem_}};
  fwd_training_args_ = common;
  fwd_training_args_.insert({{DNNL_ARG_DST, dst_view_},
                             {DNNL_ARG_MEAN, batch_mean_mem_},
                             {DNNL_ARG_VARIANCE, batch_variance_mem_}});
  fwd_inference_args_ = common;
  fwd_inference_args_.insert({{DNNL_ARG_DST, dst_view_},
                              {DNNL_ARG_MEAN, moving_mean_mem_},
                              {DNNL_ARG_VARIANCE, moving_variance_mem_}});
  bwd_training_args_ = common;
  bwd_training_args_.insert({{DNNL_ARG_DIFF_DST, diff_dst_view_},
                             {DNNL_ARG_DIFF_SRC, diff_src_view_},
                             {DNNL_ARG_MEAN, batch_mean_mem_},
                             {DNNL_ARG_VARIANCE, batch_variance_mem_}});
  bwd_inference_args_ = common;
  bwd_inference_args_.insert({{DNNL_ARG_DIFF_DST, diff_dst_view_},
                              {DNNL_ARG_DIFF_SRC, diff_src_view_},
                              {DNNL_ARG_MEAN, moving_mean_mem_},
                              {DNNL_ARG_VARIANCE, moving_variance_mem_}});
  for (Args* a : {&bwd_training_args_, &bwd_inference_args_}) {
    a->insert({{DNNL_ARG_DIFF_SCALE, dgamma_mem_}, {DNNL_ARG_DIFF_SHIFT, dbeta_mem_}});
  }
  return absl::OkStatus();
}

void BatchNorm::Forward(const dnnl::memory& src, const ForwardArgs& args) {
  src_view_.set_data_handle(src.get_data_handle());
  last_forward_training_ = args.training;
  if (!args.training) {
    fwd_inference_.execute(device_->stream, fwd_inference_args_);
    return;
  }
  fwd_training_.execute(device_->stream, fwd_training_args_);
  device_->stream.wait();  // the moving-average update reads the batch statistics on the host
  UpdateMovingStatistics();
}

void BatchNorm::UpdateMovingStatistics() {
  const float m = options_.momentum;
  const auto mean = batch_mean();
  const auto var = batch_variance();  // biased: Keras 2.0 feeds it to the moving average as is
  for (int64_t i = 0; i < options_.features; ++i) {
    moving_mean_[i] = m * moving_mean_[i] + (1.f - m) * mean[i];
    moving_variance_[i] = m * moving_variance_[i] + (1.f - m) * var[i];
  }
}

void BatchNorm::Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                         const BackwardArgs& args) {
  src_view_.set_data_handle(src.get_data_handle());
  diff_dst_view_.set_data_handle(diff_dst.get_data_handle());
  // oneDNN always produces the scale/shift gradients; a frozen layer sends them to scratch.
  Args& a = last_forward_training_ ? bwd_training_args_ : bwd_inference_args_;
  a.at(DNNL_ARG_DIFF_SCALE) = args.need_param_grads ? dgamma_mem_ : scratch_dgamma_;
  a.at(DNNL_ARG_DIFF_SHIFT) = args.need_param_grads ? dbeta_mem_ : scratch_dbeta_;
  (last_forward_training_ ? bwd_training_ : bwd_inference_).execute(device_->stream, a);
}

std::span<const float> BatchNorm::batch_mean() const {
  return {static_cast<const float*>(batch_mean_mem_.get_data_handle()),
          static_cast<size_t>(options_.features)};
}

std::span<const float> BatchNorm::batch_variance() const {
  return {static_cast<const float*>(batch_variance_mem_.get_data_handle()),
          static_cast<size_t>(options_.features)};
}

}  // namespace cascade::nn
