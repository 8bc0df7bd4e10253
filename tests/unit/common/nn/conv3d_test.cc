#include "common/nn/conv3d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/layer_harness.h"

namespace cascade::nn {
namespace {

using Padding = Conv3dOptions::Padding;
using testing::LayerHarness;
using testing::RandomVector;

// Padding the test derives on its own from the TF / Keras rules (not from the layer).
std::array<int64_t, 3> PadLeft(const Conv3dOptions& o) {
  std::array<int64_t, 3> p{};
  for (int a = 0; a < 3; ++a) {
    p[a] = o.extra_pad_l[a] + (o.padding == Padding::kSame ? (o.kernel[a] - 1) / 2 : 0);
  }
  return p;
}
std::array<int64_t, 3> PadTotal(const Conv3dOptions& o) {
  std::array<int64_t, 3> p{};
  for (int a = 0; a < 3; ++a) {
    p[a] =
        o.extra_pad_l[a] + o.extra_pad_r[a] + (o.padding == Padding::kSame ? o.kernel[a] - 1 : 0);
  }
  return p;
}

// Naive stride-1 cross-correlation, (N, I, D, H, W) -> (N, O, D', H', W'), then activation.
std::vector<float> NaiveConv(const std::vector<float>& x, const Dims& in,
                             const std::vector<float>& w, const std::vector<float>& b,
                             const Conv3dOptions& o, Dims* out_dims) {
  const auto pl = PadLeft(o), pt = PadTotal(o);
  const int64_t N = in[0], I = in[1], D = in[2], H = in[3], W = in[4], O = o.out_channels;
  const int64_t KD = o.kernel[0], KH = o.kernel[1], KW = o.kernel[2];
  const int64_t OD = D + pt[0] - KD + 1, OH = H + pt[1] - KH + 1, OW = W + pt[2] - KW + 1;
  *out_dims = {N, O, OD, OH, OW};
  std::vector<float> y(N * O * OD * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t od = 0; od < OD; ++od)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            double acc = o.bias ? b[oc] : 0.0;
            for (int64_t ic = 0; ic < I; ++ic)
              for (int64_t kd = 0; kd < KD; ++kd)
                for (int64_t kh = 0; kh < KH; ++kh)
                  for (int64_t kw = 0; kw < KW; ++kw) {
                    const int64_t id = od + kd - pl[0], ih = oh + kh - pl[1], iw = ow + kw - pl[2];
                    if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                    acc += x[(((n * I + ic) * D + id) * H + ih) * W + iw] *
                           w[(((oc * I + ic) * KD + kd) * KH + kh) * KW + kw];
                  }
            if (o.activation == ActivationKind::kRelu && acc < 0) acc = 0;
            if (o.activation == ActivationKind::kLeakyRelu && acc < 0) acc *= o.alpha;
            y[(((n * O + oc) * OD + od) * OH + oh) * OW + ow] = static_cast<float>(acc);
          }
  return y;
}

std::vector<float> Copy(absl::StatusOr<std::span<float>> s) {
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::vector<float>(s->begin(), s->end()) : std::vector<float>{};
}

std::vector<std::unique_ptr<Layer>> One(const Conv3dOptions& o) {
  std::vector<std::unique_ptr<Layer>> v;
  v.push_back(std::make_unique<Conv3d>("conv", o));
  return v;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * std::max(1.f, std::abs(want[i]))) << "at " << i;
  }
}

Conv3dOptions Opts(int64_t in, int64_t out, std::array<int64_t, 3> k, Padding p) {
  Conv3dOptions o;
  o.in_channels = in;
  o.out_channels = out;
  o.kernel = k;
  o.padding = p;
  return o;
}

TEST(Conv3dTest, ParamsFollowKerasConventions) {
  auto o = Opts(3, 4, {2, 3, 4}, Padding::kSame);
  o.kernel_init = Initializer::kHeUniform;
  const auto specs = Conv3d("c", o).Params();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "kernel");
  EXPECT_EQ(specs[0].shape, (Dims{4, 3, 2, 3, 4}));
  EXPECT_EQ(specs[0].fan_in, 3 * 24);
  EXPECT_EQ(specs[0].fan_out, 4 * 24);
  EXPECT_EQ(specs[0].init, Initializer::kHeUniform);
  EXPECT_EQ(specs[1].name, "bias");
  EXPECT_EQ(specs[1].shape, (Dims{4}));
  EXPECT_EQ(specs[1].init, Initializer::kZeros);
  o.bias = false;
  EXPECT_EQ(Conv3d("c", o).Params().size(), 1u);
}

TEST(Conv3dTest, Shapes) {
  struct Case {
    Conv3dOptions o;
    Dims want;
  };
  auto valid = Opts(3, 4, {2, 3, 4}, Padding::kValid);
  auto same = Opts(3, 4, {2, 3, 4}, Padding::kSame);
  auto padded = Opts(3, 2, {3, 3, 8}, Padding::kValid);  // like G's conv 13 after (1,0,3) pad
  padded.extra_pad_l = {1, 0, 3};
  padded.extra_pad_r = {1, 0, 3};
  for (const Case& c :
       {Case{valid, {2, 4, 4, 4, 4}}, Case{same, {2, 4, 5, 6, 7}}, Case{padded, {2, 2, 5, 4, 6}}}) {
    LayerHarness h(One(c.o), {2, 3, 5, 6, 7});
    ASSERT_TRUE(h.status().ok()) << h.status();
    EXPECT_EQ(h.net().dst_desc().dims(), c.want);
  }
}

TEST(Conv3dTest, RejectsWrongChannelsAndTooLargeKernel) {
  LayerHarness wrong(One(Opts(4, 2, {1, 1, 1}, Padding::kValid)), {1, 3, 4, 4, 4});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  LayerHarness big(One(Opts(3, 2, {5, 1, 1}, Padding::kValid)), {1, 3, 4, 4, 4});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
}

struct NamedCase {
  const char* name;
  Conv3dOptions o;
};

std::vector<NamedCase> ReferenceCases() {
  std::vector<NamedCase> cases;
  cases.push_back({"valid", Opts(3, 4, {2, 3, 4}, Padding::kValid)});
  cases.push_back({"same_even_kernel", Opts(3, 4, {2, 3, 4}, Padding::kSame)});
  auto pad = Opts(3, 2, {3, 2, 4}, Padding::kValid);
  pad.extra_pad_l = {1, 0, 2};
  pad.extra_pad_r = {0, 2, 1};
  pad.activation = ActivationKind::kLeakyRelu;
  cases.push_back({"extra_pad_leaky", pad});
  auto same_pad = Opts(3, 4, {2, 3, 4}, Padding::kSame);
  same_pad.extra_pad_l = {2, 2, 0};
  same_pad.extra_pad_r = {2, 2, 0};
  same_pad.activation = ActivationKind::kRelu;
  cases.push_back({"same_plus_extra_relu", same_pad});
  auto no_bias = Opts(3, 1, {2, 2, 2}, Padding::kValid);
  no_bias.bias = false;
  cases.push_back({"no_bias", no_bias});
  return cases;
}

TEST(Conv3dTest, ForwardMatchesNaiveReference) {
  const Dims in{2, 3, 5, 6, 7};
  for (const auto& c : ReferenceCases()) {
    SCOPED_TRACE(c.name);
    LayerHarness h(One(c.o), in);
    ASSERT_TRUE(h.status().ok()) << h.status();
    auto x = RandomVector(NumElements(in), 11);
    const auto w = Copy(h.arena().Find("conv/kernel"));
    const auto b = c.o.bias ? Copy(h.arena().Find("conv/bias")) : std::vector<float>{};
    Dims out;
    const auto want = NaiveConv(x, in, w, b, c.o, &out);
    EXPECT_EQ(h.net().dst_desc().dims(), out);
    ExpectNear(h.Forward(x), want, 1e-5f);
  }
}

TEST(Conv3dTest, ForwardSeesWeightsChangedInPlace) {
  const Dims in{1, 3, 4, 5, 6};
  auto o = Opts(3, 4, {2, 3, 4}, Padding::kSame);
  LayerHarness h(One(o), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 5);
  h.Forward(x);
  auto kernel = *h.arena().Find("conv/kernel");
  for (float& v : kernel) v *= -2.f;  // what an optimizer step does between calls
  Dims out;
  const auto want = NaiveConv(x, in, Copy(kernel), Copy(h.arena().Find("conv/bias")), o, &out);
  ExpectNear(h.Forward(x), want, 1e-5f);
}

TEST(Conv3dTest, BackwardOverwritesGradients) {
  const Dims in{2, 3, 4, 5, 6};
  LayerHarness h(One(Opts(3, 4, {2, 3, 4}, Padding::kSame)), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 5);
  const auto y = h.Forward(x);
  auto dy = RandomVector(y.size(), 6);
  h.Backward(dy);
  const std::vector<float> first(h.arena().grads().begin(), h.arena().grads().end());
  h.Backward(dy);
  const std::vector<float> second(h.arena().grads().begin(), h.arena().grads().end());
  EXPECT_EQ(first, second);
  float norm = 0;
  for (float g : first) norm += g * g;
  EXPECT_GT(norm, 0.f);
  // Bias gradient = Σ dy over (N, D, H, W) per channel.
  double db0 = 0;
  const int64_t per_channel = y.size() / 2 / 4;
  for (int n = 0; n < 2; ++n)
    for (int64_t i = 0; i < per_channel; ++i) db0 += dy[n * 4 * per_channel + i];
  EXPECT_NEAR(Copy(h.arena().FindGrad("conv/bias"))[0], db0, 1e-4);
}

cascade::testing::GradientCheckResult Check(const Conv3dOptions& o, const Dims& in,
                                            cascade::testing::GradientCheckOptions opts = {}) {
  opts.param_scale = 0.5f;  // non-zero biases
  return cascade::testing::CheckGradients(One(o), in, opts);
}

TEST(Conv3dTest, Gradient) {
  const auto r = Check(Opts(3, 4, {2, 3, 4}, Padding::kSame), {2, 3, 4, 5, 6});
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 48 + 48 + 4);  // input, kernel samples; every bias
}

TEST(Conv3dTest, GradientWithExtraPaddingAndFusedActivations) {
  for (ActivationKind act : {ActivationKind::kLeakyRelu, ActivationKind::kRelu}) {
    auto o = Opts(3, 2, {3, 2, 4}, Padding::kValid);
    o.extra_pad_l = {1, 0, 2};
    o.extra_pad_r = {0, 2, 1};
    o.activation = act;
    cascade::testing::GradientCheckOptions opts;
    opts.skip_kinks = true;
    const auto r = Check(o, {2, 3, 4, 5, 6}, opts);
    EXPECT_EQ(r.failed, 0) << r.first_failure;
    // A kernel entry moves every output of its channel, so a kink within ±step is common:
    // about a third of the samples are skipped.
    EXPECT_GE(r.checked, 50);
  }
}

// Guards the checker's kink detection: on a linear layer it must skip nothing.
TEST(Conv3dTest, KinkDetectionSkipsNothingWhenLinear) {
  auto o = Opts(3, 2, {3, 2, 4}, Padding::kValid);
  o.extra_pad_l = {1, 0, 2};
  o.extra_pad_r = {0, 2, 1};
  cascade::testing::GradientCheckOptions opts;
  opts.skip_kinks = true;
  const auto r = Check(o, {2, 3, 4, 5, 6}, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.skipped, 0);
}

TEST(Conv3dTest, GradientWithoutBias) {
  auto o = Opts(3, 1, {2, 2, 2}, Padding::kValid);
  o.bias = false;
  const auto r = Check(o, {2, 3, 4, 5, 6});
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 50);
}

// One input channel takes a different (plain diff_src) backward_data plan.
TEST(Conv3dTest, GradientSingleInputChannel) {
  const auto r = Check(Opts(1, 4, {3, 2, 4}, Padding::kSame), {2, 1, 4, 5, 6});
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 48 + 48 + 4);
  // With an activation, dL/d pre-act (dst layout) is reordered for backward_data.
  auto leaky = Opts(1, 4, {3, 2, 4}, Padding::kSame);
  leaky.activation = ActivationKind::kLeakyRelu;
  cascade::testing::GradientCheckOptions opts;
  opts.skip_kinks = true;
  const auto r2 = Check(leaky, {2, 1, 4, 5, 6}, opts);
  EXPECT_EQ(r2.failed, 0) << r2.first_failure;
  EXPECT_GE(r2.checked, 50);
}

TEST(Conv3dTest, GradientWithoutDiffSrc) {
  cascade::testing::GradientCheckOptions opts;
  opts.check_input = false;  // the first layer of D: Backward(need_diff_src = false)
  const auto r = Check(Opts(3, 4, {2, 3, 4}, Padding::kSame), {2, 3, 4, 5, 6}, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 50);
}

TEST(Conv3dTest, SkipsParamGradsWhenFrozen) {
  const Dims in{1, 3, 4, 5, 6};
  LayerHarness h(One(Opts(3, 4, {2, 3, 4}, Padding::kSame)), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 5);
  auto dy = RandomVector(h.Forward(x).size(), 6);
  for (float& g : h.arena().grads()) g = 42.f;
  const auto dx = h.Backward(dy, {/*need_diff_src=*/true, /*need_param_grads=*/false});
  for (float g : h.arena().grads()) ASSERT_EQ(g, 42.f);
  EXPECT_EQ(dx.size(), x.size());
}

// Wide channels: oneDNN picks blocked layouts, and they flow from conv to conv untouched.
TEST(Conv3dTest, KeepsBlockedLayoutInSequential) {
  const Dims in{2, 3, 5, 6, 7};
  auto o1 = Opts(3, 16, {3, 3, 3}, Padding::kSame);
  o1.activation = ActivationKind::kLeakyRelu;
  auto o2 = Opts(16, 16, {2, 3, 4}, Padding::kSame);
  o2.extra_pad_l = {1, 0, 0};
  o2.extra_pad_r = {0, 0, 1};
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Conv3d>("c1", o1));
  layers.push_back(std::make_unique<Conv3d>("c2", o2));
  LayerHarness h(std::move(layers), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  const auto& l1 = *h.net().layers()[0];
  const auto& l2 = *h.net().layers()[1];
  EXPECT_NE(l1.dst().get_desc(), PlainDesc(l1.dst().get_desc().dims()));
  EXPECT_NE(l2.dst().get_desc(), PlainDesc(l2.dst().get_desc().dims()));
  EXPECT_EQ(l2.src_desc(), l1.dst().get_desc());  // no reorder between the convs

  auto x = RandomVector(NumElements(in), 21);
  Dims mid, out;
  const auto y1 = NaiveConv(x, in, Copy(h.arena().Find("c1/kernel")),
                            Copy(h.arena().Find("c1/bias")), o1, &mid);
  const auto want = NaiveConv(y1, mid, Copy(h.arena().Find("c2/kernel")),
                              Copy(h.arena().Find("c2/bias")), o2, &out);
  ExpectNear(h.Forward(x), want, 1e-4f);

  std::vector<std::unique_ptr<Layer>> again;
  again.push_back(std::make_unique<Conv3d>("c1", o1));
  again.push_back(std::make_unique<Conv3d>("c2", o2));
  cascade::testing::GradientCheckOptions opts;
  opts.skip_kinks = true;
  opts.max_checks_per_tensor = 24;
  opts.param_scale = 0.2f;
  const auto r = cascade::testing::CheckGradients(std::move(again), {1, 3, 4, 5, 6}, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 2 * r.skipped);
}

}  // namespace
}  // namespace cascade::nn
