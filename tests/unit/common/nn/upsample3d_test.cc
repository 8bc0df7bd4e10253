#include "common/nn/upsample3d.h"

#include <gtest/gtest.h>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/layer_harness.h"

namespace cascade::nn {
namespace {

using testing::LayerHarness;
using testing::RandomVector;

std::vector<std::unique_ptr<Layer>> One(std::array<int64_t, 3> f) {
  std::vector<std::unique_ptr<Layer>> v;
  v.push_back(std::make_unique<UpSample3d>("up", f));
  return v;
}

// Keras UpSampling3D: K.repeat_elements along D, H, W: dst[.., d, h, w] = src[.., d/f0, h/f1,
// w/f2]. Calls f(src_index, dst_index) for every dst element.
template <typename F>
void ForEachCopy(const Dims& in, std::array<int64_t, 3> f, F fn) {
  const int64_t OD = in[2] * f[0], OH = in[3] * f[1], OW = in[4] * f[2];
  for (int64_t nc = 0; nc < in[0] * in[1]; ++nc)
    for (int64_t d = 0; d < OD; ++d)
      for (int64_t h = 0; h < OH; ++h)
        for (int64_t w = 0; w < OW; ++w) {
          fn(((nc * in[2] + d / f[0]) * in[3] + h / f[1]) * in[4] + w / f[2],
             ((nc * OD + d) * OH + h) * OW + w);
        }
}

class UpSample3dTest : public ::testing::TestWithParam<std::array<int64_t, 3>> {};

TEST_P(UpSample3dTest, Shapes) {
  const auto f = GetParam();
  LayerHarness h(One(f), {2, 3, 5, 6, 7});
  ASSERT_TRUE(h.status().ok()) << h.status();
  EXPECT_EQ(h.net().dst_desc().dims(), (Dims{2, 3, 5 * f[0], 6 * f[1], 7 * f[2]}));
}

TEST_P(UpSample3dTest, ForwardMatchesKerasRepeat) {
  const auto f = GetParam();
  const Dims in{2, 3, 5, 6, 7};
  LayerHarness h(One(f), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 9);
  const auto y = h.Forward(x);
  std::vector<float> want(y.size());
  ForEachCopy(in, f, [&](int64_t i, int64_t o) { want[o] = x[i]; });
  EXPECT_EQ(y, want);
}

TEST_P(UpSample3dTest, BackwardSumsEachBlock) {
  const auto f = GetParam();
  const Dims in{2, 3, 5, 6, 7};
  LayerHarness h(One(f), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 9);
  auto dy = RandomVector(h.Forward(x).size(), 10);
  const auto dx = h.Backward(dy);
  std::vector<double> want(x.size(), 0.0);
  ForEachCopy(in, f, [&](int64_t i, int64_t o) { want[i] += dy[o]; });
  ASSERT_EQ(dx.size(), want.size());
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], want[i], 1e-5) << i;
}

TEST_P(UpSample3dTest, Gradient) {
  const auto r = cascade::testing::CheckGradients(One(GetParam()), {2, 3, 3, 4, 5}, {});
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 48);
}

// The generator's two upsamplings.
INSTANTIATE_TEST_SUITE_P(GeneratorFactors, UpSample3dTest,
                         ::testing::Values(std::array<int64_t, 3>{2, 2, 2},
                                           std::array<int64_t, 3>{2, 2, 3}));

TEST(UpSample3dBlockedTest, KeepsAChannelBlockedLayout) {
  Device device;
  UpSample3d up("up", {2, 2, 3});
  const Dims in{1, 16, 2, 3, 4};
  const dnnl::memory::desc blocked(in, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::nCdhw16c);
  ASSERT_TRUE(up.Init(blocked, device).ok());
  EXPECT_EQ(up.src_desc(), blocked);
  const auto out = up.dst().get_desc();
  EXPECT_EQ(out, dnnl::memory::desc(out.dims(), dnnl::memory::data_type::f32,
                                    dnnl::memory::format_tag::nCdhw16c));
  auto x = RandomVector(NumElements(in), 8);
  dnnl::memory xm(blocked, device.engine);
  WriteFromPlain(x, xm, device.stream);
  up.Forward(xm, {});
  std::vector<float> want(NumElements(out.dims()));
  ForEachCopy(in, {2, 2, 3}, [&](int64_t i, int64_t o) { want[o] = x[i]; });
  EXPECT_EQ(ReadToPlain(up.dst(), device.stream), want);
}

}  // namespace
}  // namespace cascade::nn
