#include "common/gan/generator.h"

#include <memory>

#include "common/nn/batch_norm.h"
#include "common/nn/conv3d.h"
#include "common/nn/dense.h"
#include "common/nn/reshape.h"
#include "common/nn/upsample3d.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {

using nn::ActivationKind;
using nn::Conv3d;
using nn::Conv3dOptions;
using nn::Initializer;

// Shapes (C, D, H, W) after each block, original filters (F = 6; 16 for the 16-filter variant):
//   dense_1 → (8, 7, 7, 8) → conv3d_1 same → (64, 7, 7, 8) → up(2,2,2) → (64, 14, 14, 16)
//   → pad(2,2,0) + conv3d_2 (6,5,8) → (F, 13, 14, 9) → up(2,2,3) → (F, 26, 28, 27)
//   → pad(1,0,3) + conv3d_3 (3,3,8) → (F, 26, 26, 26) → conv3d_4 (2,2,2) → (1, 25, 25, 25)
std::unique_ptr<nn::BatchNorm> MakeBn(const std::string& name, const ModelConfig& c,
                                      int64_t channels, int64_t depth) {
  nn::BatchNormOptions o;
  o.axis = c.bn_axis;
  o.features = c.bn_axis == nn::BnAxis::kChannel ? channels : depth;
  o.momentum = c.bn_momentum;
  o.epsilon = c.bn_epsilon;
  return std::make_unique<nn::BatchNorm>(name, o);
}

}  // namespace

Generator::Generator(const ModelConfig& config) : config_(config) {
  const int64_t f = config.filters == Filters::kOriginal ? 6
                    : config.filters == Filters::kTiny   ? 2
                                                         : 16;
  const int64_t c1_filters = config.filters == Filters::kTiny ? 8 : 64;
  nn::DenseOptions dense{.in_features = config.latent_size, .out_features = 3136};
  net_.Add(std::make_unique<nn::Dense>("dense_1", dense));
  net_.Add(std::make_unique<nn::Reshape>("reshape_1", nn::Dims{8, 7, 7, 8}));

  Conv3dOptions c1{.in_channels = 8, .out_channels = c1_filters, .kernel = {6, 6, 8}};
  c1.padding = Conv3dOptions::Padding::kSame;
  c1.activation = ActivationKind::kLeakyRelu;
  c1.kernel_init = Initializer::kHeUniform;
  net_.Add(std::make_unique<Conv3d>("conv3d_1", c1));
  net_.Add(MakeBn("batch_normalization_1", config, c1_filters, 8));
  net_.Add(std::make_unique<nn::UpSample3d>("up_sampling3d_1", std::array<int64_t, 3>{2, 2, 2}));

  Conv3dOptions c2{.in_channels = c1_filters, .out_channels = f, .kernel = {6, 5, 8}};
  c2.extra_pad_l = {2, 2, 0};
  c2.extra_pad_r = {2, 2, 0};
  c2.activation = ActivationKind::kLeakyRelu;
  c2.kernel_init = Initializer::kHeUniform;
  net_.Add(std::make_unique<Conv3d>("conv3d_2", c2));
  net_.Add(MakeBn("batch_normalization_2", config, f, 9));
  net_.Add(std::make_unique<nn::UpSample3d>("up_sampling3d_2", std::array<int64_t, 3>{2, 2, 3}));

  Conv3dOptions c3{.in_channels = f, .out_channels = f, .kernel = {3, 3, 8}};
  c3.extra_pad_l = {1, 0, 3};
  c3.extra_pad_r = {1, 0, 3};
  c3.activation = ActivationKind::kLeakyRelu;
  c3.kernel_init = Initializer::kHeUniform;
  net_.Add(std::make_unique<Conv3d>("conv3d_3", c3));

  Conv3dOptions c4{.in_channels = f, .out_channels = 1, .kernel = {2, 2, 2}};
  c4.bias = false;
  c4.activation = ActivationKind::kRelu;
  c4.kernel_init = Initializer::kGlorotNormal;
  net_.Add(std::make_unique<Conv3d>("conv3d_4", c4));
}

void Generator::RegisterParams(nn::ParamArena& arena) { net_.RegisterParams(arena, "generator/"); }

absl::Status Generator::Init(int64_t batch, nn::Device& device) {
  device_ = &device;
  batch_ = batch;
  CASCADE_RETURN_IF_ERROR(net_.Init(nn::PlainDesc({batch, config_.latent_size}), device));
  const auto out = net_.dst_desc();
  const auto plain = nn::PlainDesc(out.dims());
  plain_out_ = dnnl::memory(plain, device.engine);
  diff_in_ = dnnl::memory(out, device.engine);
  to_plain_.reset();
  from_plain_.reset();
  if (out != plain) {
    to_plain_ = dnnl::reorder(net_.dst(), plain_out_);
    from_plain_ = dnnl::reorder(plain_out_, diff_in_);
  }
  return absl::OkStatus();
}

const dnnl::memory& Generator::Forward(const dnnl::memory& latent, const nn::ForwardArgs& args) {
  const dnnl::memory& y = net_.Forward(latent, args);
  if (!to_plain_) return y;
  to_plain_->execute(device_->stream, const_cast<dnnl::memory&>(y), plain_out_);
  return plain_out_;
}

void Generator::Backward(const dnnl::memory& diff_showers, const nn::BackwardArgs& args) {
  if (!from_plain_) {
    net_.Backward(diff_showers, args);
    return;
  }
  from_plain_->execute(device_->stream, const_cast<dnnl::memory&>(diff_showers), diff_in_);
  net_.Backward(diff_in_, args);
}

}  // namespace cascade::gan
