#include "common/gan/discriminator.h"

#include <cstring>
#include <memory>

#include "common/nn/avg_pool3d.h"
#include "common/nn/batch_norm.h"
#include "common/nn/conv3d.h"
#include "common/nn/dropout.h"
#include "common/nn/reshape.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {

constexpr int64_t kCells = 25 * 25 * 25;
constexpr float kDropoutRate = 0.2f;  // Keras Dropout(0.2) after every conv block

}  // namespace

Discriminator::Discriminator(const ModelConfig& config) : config_(config) {
  const int64_t f = config.filters == Filters::kOriginal ? 8
                    : config.filters == Filters::kTiny   ? 4
                                                         : 16;
  const int64_t first = config.filters == Filters::kTiny ? 4 : 32;
  features_ = f * 11 * 11 * 11;
  using nn::Conv3dOptions;
  auto conv = [](int64_t in, int64_t out, int64_t pad) {
    Conv3dOptions o{.in_channels = in, .out_channels = out, .kernel = {5, 5, 5}};
    o.extra_pad_l = {pad, pad, pad};
    o.extra_pad_r = {pad, pad, pad};
    o.activation = nn::ActivationKind::kLeakyRelu;
    o.kernel_init = nn::Initializer::kGlorotUniform;
    return o;
  };
  auto bn = [&](const std::string& name, int64_t depth) {
    nn::BatchNormOptions o;
    o.axis = config.bn_axis;
    o.features = config.bn_axis == nn::BnAxis::kChannel ? f : depth;
    o.momentum = config.bn_momentum;
    o.epsilon = config.bn_epsilon;
    return std::make_unique<nn::BatchNorm>(name, o);
  };
  // Trunk indices matter: dropout seeds derive from them (docs/model.md).
  trunk_.Add(std::make_unique<nn::Conv3d>("conv3d_5", conv(1, first, 2)));      // [0] 'same'
  trunk_.Add(std::make_unique<nn::Dropout>("dropout_1", kDropoutRate));         // [1]
  trunk_.Add(std::make_unique<nn::Conv3d>("conv3d_6", conv(first, f, 2)));      // [2] 25³
  trunk_.Add(bn("batch_normalization_3", 25));                                  // [3]
  trunk_.Add(std::make_unique<nn::Dropout>("dropout_2", kDropoutRate));         // [4]
  trunk_.Add(std::make_unique<nn::Conv3d>("conv3d_7", conv(f, f, 2)));          // [5] 25³
  trunk_.Add(bn("batch_normalization_4", 25));                                  // [6]
  trunk_.Add(std::make_unique<nn::Dropout>("dropout_3", kDropoutRate));         // [7]
  trunk_.Add(std::make_unique<nn::Conv3d>("conv3d_8", conv(f, f, 1)));          // [8] 23³
  trunk_.Add(bn("batch_normalization_5", 23));                                  // [9]
  trunk_.Add(std::make_unique<nn::Dropout>("dropout_4", kDropoutRate));         // [10]
  trunk_.Add(std::make_unique<nn::AvgPool3d>("average_pooling3d_1", 2));        // [11] 11³
  trunk_.Add(std::make_unique<nn::Reshape>("flatten_1", nn::Dims{features_}));  // [12]

  nn::DenseOptions head{.in_features = features_, .out_features = 1};
  head.activation = nn::ActivationKind::kSigmoid;
  generation_ = std::make_unique<nn::Dense>("generation", head);
  head.activation = nn::ActivationKind::kNone;
  auxiliary_ = std::make_unique<nn::Dense>("auxiliary", head);
}

void Discriminator::RegisterParams(nn::ParamArena& arena) {
  trunk_.RegisterParams(arena, "discriminator/");
  arena.Add(*generation_, "discriminator/");
  arena.Add(*auxiliary_, "discriminator/");
}

absl::Status Discriminator::Init(int64_t batch, nn::Device& device) {
  device_ = &device;
  batch_ = batch;
  CASCADE_RETURN_IF_ERROR(trunk_.Init(nn::PlainDesc({batch, 1, 25, 25, 25}), device));
  const auto features = nn::PlainDesc({batch, features_});
  if (trunk_.dst_desc() != features) {
    return absl::InternalError("discriminator: flatten output is not plain (N, features)");
  }
  CASCADE_RETURN_IF_ERROR(generation_->Init(features, device));
  CASCADE_RETURN_IF_ERROR(auxiliary_->Init(features, device));
  for (const nn::Dense* head : {generation_.get(), auxiliary_.get()}) {
    if (head->src_desc() != features || head->dst().get_desc() != nn::PlainDesc({batch, 1}) ||
        head->diff_dst_desc() != nn::PlainDesc({batch, 1})) {
      return absl::InternalError("discriminator: heads must use plain (N, features)/(N, 1)");
    }
  }
  out_.p.assign(batch, 0.f);
  out_.aux.assign(batch, 0.f);
  out_.ecal.assign(batch, 0.f);
  d_p_mem_ = dnnl::memory(nn::PlainDesc({batch, 1}), device.engine);
  d_aux_mem_ = dnnl::memory(nn::PlainDesc({batch, 1}), device.engine);
  d_features_ = dnnl::memory(features, device.engine);
  d_input_ = dnnl::memory(nn::PlainDesc({batch, 1, 25, 25, 25}), device.engine);
  return absl::OkStatus();
}

const DiscriminatorOutputs& Discriminator::Forward(const dnnl::memory& showers,
                                                   const nn::ForwardArgs& args) {
  input_ = &showers;
  const dnnl::memory& features = trunk_.Forward(showers, args);
  generation_->Forward(features, args);
  auxiliary_->Forward(features, args);
  device_->stream.wait();
  const auto* p = static_cast<const float*>(generation_->dst().get_data_handle());
  const auto* aux = static_cast<const float*>(auxiliary_->dst().get_data_handle());
  const auto* x = static_cast<const float*>(showers.get_data_handle());
  for (int64_t n = 0; n < batch_; ++n) {
    out_.p[n] = p[n];
    out_.aux[n] = aux[n];
    double sum = 0;
    for (int64_t i = 0; i < kCells; ++i) sum += x[n * kCells + i];
    out_.ecal[n] = static_cast<float>(sum);
  }
  return out_;
}

const dnnl::memory& Discriminator::Backward(std::span<const float> d_p,
                                            std::span<const float> d_aux,
                                            std::span<const float> d_ecal,
                                            const nn::BackwardArgs& args) {
  std::memcpy(d_p_mem_.get_data_handle(), d_p.data(), batch_ * sizeof(float));
  std::memcpy(d_aux_mem_.get_data_handle(), d_aux.data(), batch_ * sizeof(float));
  const dnnl::memory& features = trunk_.dst();
  nn::BackwardArgs head_args = args;
  head_args.need_diff_src = true;
  generation_->Backward(features, d_p_mem_, head_args);
  auxiliary_->Backward(features, d_aux_mem_, head_args);
  device_->stream.wait();
  const auto* g1 = static_cast<const float*>(generation_->diff_src().get_data_handle());
  const auto* g2 = static_cast<const float*>(auxiliary_->diff_src().get_data_handle());
  auto* g = static_cast<float*>(d_features_.get_data_handle());
  const int64_t n_features = batch_ * features_;
#pragma omp parallel for simd
  for (int64_t i = 0; i < n_features; ++i) g[i] = g1[i] + g2[i];

  const dnnl::memory& d_trunk_in = trunk_.Backward(d_features_, args);
  if (!args.need_diff_src) return d_input_;
  device_->stream.wait();
  const auto* dx = static_cast<const float*>(d_trunk_in.get_data_handle());
  auto* out = static_cast<float*>(d_input_.get_data_handle());
  for (int64_t n = 0; n < batch_; ++n) {
    const float de = d_ecal.empty() ? 0.f : d_ecal[n];
#pragma omp parallel for simd
    for (int64_t i = 0; i < kCells; ++i) out[n * kCells + i] = dx[n * kCells + i] + de;
  }
  return d_input_;
}

}  // namespace cascade::gan
