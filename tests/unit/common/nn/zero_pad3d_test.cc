#include "common/nn/zero_pad3d.h"

#include <gtest/gtest.h>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/layer_harness.h"

namespace cascade::nn {
namespace {

using testing::LayerHarness;
using testing::RandomVector;

const std::array<int64_t, 3> kPadL{1, 0, 3}, kPadR{2, 1, 0};

std::vector<std::unique_ptr<Layer>> One() {
  std::vector<std::unique_ptr<Layer>> v;
  v.push_back(std::make_unique<ZeroPad3d>("pad", kPadL, kPadR));
  return v;
}

// Calls f(src_index, dst_index) for every element padding places, by index arithmetic.
template <typename F>
void ForEachPlaced(const Dims& in, F f) {
  const int64_t OD = in[2] + kPadL[0] + kPadR[0], OH = in[3] + kPadL[1] + kPadR[1],
                OW = in[4] + kPadL[2] + kPadR[2];
  for (int64_t nc = 0; nc < in[0] * in[1]; ++nc)
    for (int64_t d = 0; d < in[2]; ++d)
      for (int64_t h = 0; h < in[3]; ++h)
        for (int64_t w = 0; w < in[4]; ++w) {
          f(((nc * in[2] + d) * in[3] + h) * in[4] + w,
            ((nc * OD + d + kPadL[0]) * OH + h + kPadL[1]) * OW + w + kPadL[2]);
        }
}

std::vector<float> NaivePad(const std::vector<float>& x, const Dims& in) {
  const int64_t out = in[0] * in[1] * (in[2] + kPadL[0] + kPadR[0]) *
                      (in[3] + kPadL[1] + kPadR[1]) * (in[4] + kPadL[2] + kPadR[2]);
  std::vector<float> y(out, 0.f);
  ForEachPlaced(in, [&](int64_t i, int64_t o) { y[o] = x[i]; });
  return y;
}

TEST(ZeroPad3dTest, Shapes) {
  LayerHarness h(One(), {2, 3, 5, 6, 7});
  ASSERT_TRUE(h.status().ok()) << h.status();
  EXPECT_EQ(h.net().dst_desc().dims(), (Dims{2, 3, 8, 7, 10}));
  LayerHarness flat(One(), {2, 3});
  EXPECT_EQ(flat.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ZeroPad3dTest, ForwardMatchesNaiveReference) {
  const Dims in{2, 3, 5, 6, 7};
  LayerHarness h(One(), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 4);
  EXPECT_EQ(h.Forward(x), NaivePad(x, in));
  auto x2 = RandomVector(NumElements(in), 5);  // the border stays zero on later calls
  EXPECT_EQ(h.Forward(x2), NaivePad(x2, in));
}

TEST(ZeroPad3dTest, BackwardCropsTheGradient) {
  const Dims in{2, 3, 5, 6, 7};
  LayerHarness h(One(), in);
  ASSERT_TRUE(h.status().ok()) << h.status();
  auto x = RandomVector(NumElements(in), 4);
  auto dy = RandomVector(h.Forward(x).size(), 6);
  // The adjoint of padding is cropping: dx picks what pad placed.
  const auto dx = h.Backward(dy);
  ASSERT_EQ(dx.size(), x.size());
  std::vector<float> want(x.size());
  ForEachPlaced(in, [&](int64_t i, int64_t o) { want[i] = dy[o]; });
  EXPECT_EQ(dx, want);
}

TEST(ZeroPad3dTest, KeepsAChannelBlockedLayout) {
  Device device;
  ZeroPad3d pad("pad", kPadL, kPadR);
  const Dims in{1, 16, 3, 4, 5};
  const dnnl::memory::desc blocked(in, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::nCdhw16c);
  ASSERT_TRUE(pad.Init(blocked, device).ok());
  EXPECT_EQ(pad.src_desc(), blocked);
  auto x = RandomVector(NumElements(in), 8);
  dnnl::memory xm(blocked, device.engine);
  WriteFromPlain(x, xm, device.stream);
  pad.Forward(xm, {});
  EXPECT_EQ(ReadToPlain(pad.dst(), device.stream), NaivePad(x, in));
}

TEST(ZeroPad3dTest, Gradient) {
  const auto r = cascade::testing::CheckGradients(One(), {2, 3, 3, 4, 5}, {});
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_EQ(r.checked, 48);
}

}  // namespace
}  // namespace cascade::nn
