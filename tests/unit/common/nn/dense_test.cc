#include "common/nn/dense.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/layer_harness.h"

namespace cascade::nn {
namespace {

using testing::LayerHarness;
using testing::RandomVector;

DenseOptions Opts(int64_t in, int64_t out, ActivationKind act = ActivationKind::kNone) {
  DenseOptions o;
  o.in_features = in;
  o.out_features = out;
  o.activation = act;
  return o;
}

std::vector<std::unique_ptr<Layer>> One(const DenseOptions& o) {
  std::vector<std::unique_ptr<Layer>> v;
  v.push_back(std::make_unique<Dense>("fc", o));
  return v;
}

std::vector<float> Copy(absl::StatusOr<std::span<float>> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::vector<float>(s->begin(), s->end()) : std::vector<float>{};
}

// y[n, o] = act(b[o] + Σ_i w[o, i] · x[n, i]) with w plain (out, in).
std::vector<float> NaiveDense(const std::vector<float>& x, int64_t n_batch,
                              const std::vector<float>& w, const std::vector<float>& b,
                              const DenseOptions& o) {
  std::vector<float> y(n_batch * o.out_features);
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t j = 0; j < o.out_features; ++j) {
      double acc = o.bias ? b[j] : 0.0;
      for (int64_t i = 0; i < o.in_features; ++i) {
        acc += w[j * o.in_features + i] * x[n * o.in_features + i];
      }
      switch (o.activation) {
        case ActivationKind::kRelu:
          acc = std::max(acc, 0.0);
          break;
        case ActivationKind::kLeakyRelu:
          if (acc < 0) acc *= o.alpha;
          break;
        case ActivationKind::kSigmoid:
          acc = 1.0 / (1.0 + std::exp(-acc));
          break;
        case ActivationKind::kNone:
          break;
      }
      y[n * o.out_features + j] = static_cast<float>(acc);
    }
  return y;
}

TEST(DenseTest, ParamsFollowKerasConventions) {
  const auto specs = Dense("fc", Opts(200, 3136)).Params();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "kernel");
  EXPECT_EQ(specs[0].shape, (Dims{3136, 200}));
  EXPECT_EQ(specs[0].fan_in, 200);
  EXPECT_EQ(specs[0].fan_out, 3136);
  EXPECT_EQ(specs[1].shape, (Dims{3136}));
  auto no_bias = Opts(4, 2);
  no_bias.bias = false;
  EXPECT_EQ(Dense("fc", no_bias).Params().size(), 1u);
}

TEST(DenseTest, Shapes) {
  LayerHarness h(One(Opts(7, 5)), {3, 7});
  ASSERT_TRUE(h.status().ok()) << h.status();
  EXPECT_EQ(h.net().dst_desc().dims(), (Dims{3, 5}));
  LayerHarness wrong(One(Opts(7, 5)), {3, 6});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DenseTest, ForwardMatchesNaiveReference) {
  for (ActivationKind act : {ActivationKind::kNone, ActivationKind::kRelu,
                             ActivationKind::kLeakyRelu, ActivationKind::kSigmoid}) {
    for (bool bias : {true, false}) {
      SCOPED_TRACE(static_cast<int>(act) * 2 + bias);
      auto o = Opts(13, 6, act);
      o.bias = bias;
      LayerHarness h(One(o), {4, 13});
      ASSERT_TRUE(h.status().ok()) << h.status();
      auto x = RandomVector(4 * 13, 17);
      const auto want =
          NaiveDense(x, 4, Copy(h.arena().Find("fc/kernel")),
                     bias ? Copy(h.arena().Find("fc/bias")) : std::vector<float>{}, o);
      const auto got = h.Forward(x);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << i;
    }
  }
}

cascade::testing::GradientCheckResult Check(const DenseOptions& o, int64_t n_batch,
                                            cascade::testing::GradientCheckOptions opts = {}) {
  opts.param_scale = 0.5f;
  return cascade::testing::CheckGradients(One(o), {n_batch, o.in_features}, opts);
}

TEST(DenseTest, Gradient) {
  const auto r = Check(Opts(9, 5), 3);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 27 + 45 + 5);
}

TEST(DenseTest, GradientWithFusedSigmoid) {
  const auto r = Check(Opts(9, 5, ActivationKind::kSigmoid), 3);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 27 + 45 + 5);
}

TEST(DenseTest, GradientWithFusedReluKinds) {
  for (ActivationKind act : {ActivationKind::kRelu, ActivationKind::kLeakyRelu}) {
    cascade::testing::GradientCheckOptions opts;
    opts.skip_kinks = true;
    const auto r = Check(Opts(9, 5, act), 3, opts);
    EXPECT_EQ(r.failed, 0) << r.first_failure;
    EXPECT_GT(r.checked, 2 * r.skipped);
  }
}

TEST(DenseTest, GradientWithoutBiasOrDiffSrc) {
  auto o = Opts(9, 5);
  o.bias = false;
  auto r = Check(o, 3);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 27 + 45);
  cascade::testing::GradientCheckOptions opts;
  opts.check_input = false;  // G's first layer: fed by the latent vector
  r = Check(Opts(9, 5, ActivationKind::kSigmoid), 3, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 45 + 5);
}

TEST(DenseTest, BackwardOverwritesAndRespectsFrozen) {
  LayerHarness h(One(Opts(9, 5, ActivationKind::kLeakyRelu)), {3, 9});
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(27, 2);
  h.Forward(x);
  auto dy = RandomVector(15, 3);
  h.Backward(dy);
  const std::vector<float> first(h.arena().grads().begin(), h.arena().grads().end());
  h.Backward(dy);
  EXPECT_EQ(first, std::vector<float>(h.arena().grads().begin(), h.arena().grads().end()));
  for (float& g : h.arena().grads()) g = 42.f;
  h.Backward(dy, {/*need_diff_src=*/true, /*need_param_grads=*/false});
  for (float g : h.arena().grads()) ASSERT_EQ(g, 42.f);
}

}  // namespace
}  // namespace cascade::nn
