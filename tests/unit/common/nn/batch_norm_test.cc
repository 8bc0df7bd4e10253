#include "common/nn/batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/core_layer_harness.h"

namespace cascade::nn {
namespace {
using testing::Blocked;
using testing::Harness;
using testing::Uniform;
using tag = dnnl::memory::format_tag;

// Naive reference on plain NCDHW x (dims n,c,d,h,w): feature index of element i is its channel
// (kChannel) or its W index (kLastSpatial). Returns y; mean/var get the biased batch stats.
std::vector<float> NaiveBn(const std::vector<float>& x, const Dims& dims, BnAxis axis,
                           std::span<const float> gamma, std::span<const float> beta, float eps,
                           bool use_given_stats, std::vector<double>& mean,
                           std::vector<double>& var) {
  const int64_t spatial = dims[2] * dims[3] * dims[4];
  auto feature = [&](int64_t i) {
    return axis == BnAxis::kChannel ? (i / spatial) % dims[1] : i % dims[4];
  };
  const size_t f = gamma.size();
  if (!use_given_stats) {
    std::vector<double> sum(f, 0), sq(f, 0), cnt(f, 0);
    for (size_t i = 0; i < x.size(); ++i) {
      sum[feature(i)] += x[i];
      cnt[feature(i)] += 1;
    }
    mean.assign(f, 0);
    for (size_t k = 0; k < f; ++k) mean[k] = sum[k] / cnt[k];
    for (size_t i = 0; i < x.size(); ++i) sq[feature(i)] += std::pow(x[i] - mean[feature(i)], 2);
    var.assign(f, 0);
    for (size_t k = 0; k < f; ++k) var[k] = sq[k] / cnt[k];
  }
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t k = feature(i);
    y[i] = static_cast<float>(gamma[k] * (x[i] - mean[k]) / std::sqrt(var[k] + eps) + beta[k]);
  }
  return y;
}

struct Case {
  BnAxis axis;
  Dims dims;
  tag layout;
};

class BatchNormForwardTest : public ::testing::TestWithParam<Case> {};

TEST_P(BatchNormForwardTest, ForwardMatchesNaiveReference) {
  const Case c = GetParam();
  const int64_t features = c.axis == BnAxis::kChannel ? c.dims[1] : c.dims[4];
  Harness<BatchNorm> h;
  ASSERT_TRUE(h.Init(std::make_unique<BatchNorm>("bn", BatchNormOptions{c.axis, features}),
                     Blocked(c.dims, c.layout))
                  .ok());
  auto gamma = h.Tensor("bn/gamma"), beta = h.Tensor("bn/beta");
  const auto g = Uniform(features, 3, 0.5f, 1.5f), b = Uniform(features, 4);
  std::copy(g.begin(), g.end(), gamma.begin());
  std::copy(b.begin(), b.end(), beta.begin());
  const auto x = Uniform(NumElements(c.dims), 5, -2.f, 3.f);

  // Training: batch statistics, then the Keras 2.0 moving-average update (biased variance).
  std::vector<double> mean, var;
  const auto y_ref = NaiveBn(x, c.dims, c.axis, gamma, beta, 1e-3f, false, mean, var);
  const auto y = h.Forward(x, {.training = true});
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], y_ref[i], 1e-4) << i;
  auto mm = h.Tensor("bn/moving_mean"), mv = h.Tensor("bn/moving_variance");
  for (int64_t k = 0; k < features; ++k) {
    EXPECT_NEAR(mm[k], 0.01 * mean[k], 1e-6) << k;
    EXPECT_NEAR(mv[k], 0.99 * 1.0 + 0.01 * var[k], 1e-6) << k;
  }

  // Inference: normalises with the moving statistics.
  const auto x2 = Uniform(NumElements(c.dims), 6);
  std::vector<double> mov_mean(mm.begin(), mm.end()), mov_var(mv.begin(), mv.end());
  const auto y2_ref = NaiveBn(x2, c.dims, c.axis, gamma, beta, 1e-3f, true, mov_mean, mov_var);
  const auto y2 = h.Forward(x2, {.training = false});
  for (size_t i = 0; i < y2.size(); ++i) ASSERT_NEAR(y2[i], y2_ref[i], 1e-4) << i;
  EXPECT_FLOAT_EQ(mm[0], static_cast<float>(mov_mean[0]));  // inference leaves them alone
}

INSTANTIATE_TEST_SUITE_P(
    Axes, BatchNormForwardTest,
    ::testing::Values(Case{BnAxis::kChannel, {2, 3, 2, 3, 4}, tag::abcde},
                      Case{BnAxis::kChannel, {2, 12, 2, 2, 3}, tag::aBcde8b},
                      Case{BnAxis::kChannel, {2, 16, 2, 2, 2}, tag::aBcde16b},
                      Case{BnAxis::kLastSpatial, {2, 3, 2, 3, 4}, tag::abcde},
                      Case{BnAxis::kLastSpatial, {2, 8, 2, 2, 5}, tag::aBcde8b}),
    [](const auto& info) {
      return std::string(info.param.axis == BnAxis::kChannel ? "Channel" : "LastSpatial") +
             std::to_string(info.index);
    });

TEST(BatchNormTest, Shapes) {
  Harness<BatchNorm> h;
  const Dims dims{2, 8, 3, 3, 5};
  ASSERT_TRUE(h.Init(std::make_unique<BatchNorm>("bn", BatchNormOptions{BnAxis::kLastSpatial, 5}),
                     Blocked(dims, tag::aBcde8b))
                  .ok());
  EXPECT_EQ(h.layer->src_desc(), PlainDesc(dims));  // the per-W view needs plain data
  EXPECT_EQ(h.layer->dst().get_desc(), PlainDesc(dims));
  EXPECT_EQ(h.layer->Params()[0].shape, Dims{5});
  EXPECT_EQ(h.layer->Buffers()[1].name, "moving_variance");
  EXPECT_EQ(h.arena.num_trainable(), 10);
  EXPECT_EQ(h.arena.num_buffers(), 10);
  EXPECT_FLOAT_EQ(h.Tensor("bn/moving_variance")[4], 1.f);

  Harness<BatchNorm> blocked;
  const auto desc = Blocked(dims, tag::aBcde8b);
  ASSERT_TRUE(
      blocked.Init(std::make_unique<BatchNorm>("bn", BatchNormOptions{BnAxis::kChannel, 8}), desc)
          .ok());
  EXPECT_EQ(blocked.layer->src_desc(), desc);  // per-channel BN keeps the blocked layout
  EXPECT_EQ(blocked.layer->dst().get_desc(), desc);
  EXPECT_EQ(blocked.layer->diff_src().get_desc(), desc);
}

TEST(BatchNormTest, RejectsFeatureMismatch) {
  Harness<BatchNorm> h;
  const auto s =
      h.Init(std::make_unique<BatchNorm>("bn", BatchNormOptions{BnAxis::kLastSpatial, 8}),
             PlainDesc({2, 8, 3, 3, 5}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(BatchNormTest, FrozenBackwardLeavesParamGradsAlone) {
  Harness<BatchNorm> h;
  const Dims dims{2, 3, 2, 2, 2};
  ASSERT_TRUE(h.Init(std::make_unique<BatchNorm>("bn", BatchNormOptions{BnAxis::kChannel, 3}),
                     PlainDesc(dims))
                  .ok());
  h.Forward(Uniform(NumElements(dims), 1), {.training = true});
  std::fill(h.arena.grads().begin(), h.arena.grads().end(), 42.f);
  const auto dx = h.Backward(Uniform(NumElements(dims), 2), {true, /*need_param_grads=*/false});
  for (float g : h.arena.grads()) EXPECT_EQ(g, 42.f);
  EXPECT_NE(dx[0], 0.f);
}

struct GradCase {
  BnAxis axis;
  bool training;
};

class BatchNormGradientTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(BatchNormGradientTest, Gradient) {
  const auto c = GetParam();
  const Dims dims{2, 3, 2, 2, 4};
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<BatchNorm>(
      "bn", BatchNormOptions{c.axis, c.axis == BnAxis::kChannel ? dims[1] : dims[4]}));
  cascade::testing::GradientCheckOptions opts;
  opts.training = c.training;
  opts.param_scale = 1.f;
  opts.step = 1e-2f;
  opts.tolerance = 2e-3f;
  const auto r = cascade::testing::CheckGradients(std::move(layers), dims, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure << " (max error " << r.max_error << ")";
  EXPECT_GT(r.checked, 40);
}

INSTANTIATE_TEST_SUITE_P(
    AxesAndModes, BatchNormGradientTest,
    ::testing::Values(GradCase{BnAxis::kChannel, true}, GradCase{BnAxis::kLastSpatial, true},
                      GradCase{BnAxis::kChannel, false}, GradCase{BnAxis::kLastSpatial, false}),
    [](const auto& info) {
      return std::string(info.param.axis == BnAxis::kChannel ? "Channel" : "LastSpatial") +
             (info.param.training ? "Training" : "Inference");
    });

}  // namespace
}  // namespace cascade::nn
