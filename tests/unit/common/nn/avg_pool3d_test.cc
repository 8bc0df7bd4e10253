#include "common/nn/avg_pool3d.h"

#include <gtest/gtest.h>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/core_layer_harness.h"

namespace cascade::nn {
namespace {
using testing::Blocked;
using testing::Harness;
using testing::Uniform;
using tag = dnnl::memory::format_tag;

TEST(AvgPool3dTest, Shapes) {
  const Dims dims{2, 8, 23, 23, 23};  // the discriminator's last conv output
  const auto desc = Blocked(dims, tag::aBcde8b);
  Harness<AvgPool3d> h;
  ASSERT_TRUE(h.Init(std::make_unique<AvgPool3d>("pool"), desc).ok());
  EXPECT_EQ(h.layer->src_desc(), desc);  // runs in the offered layout
  EXPECT_EQ(h.layer->dst().get_desc().dims(), (Dims{2, 8, 11, 11, 11}));
  EXPECT_EQ(h.layer->diff_src().get_desc(), desc);

  Harness<AvgPool3d> too_small;
  EXPECT_FALSE(
      too_small.Init(std::make_unique<AvgPool3d>("pool", 3), PlainDesc({1, 1, 2, 4, 4})).ok());
}

TEST(AvgPool3dTest, ForwardMatchesNaiveReference) {
  const Dims dims{2, 3, 5, 4, 5};  // odd D, W: the last row is dropped (floor)
  Harness<AvgPool3d> h;
  ASSERT_TRUE(h.Init(std::make_unique<AvgPool3d>("pool", 2), PlainDesc(dims)).ok());
  const Dims out{2, 3, 2, 2, 2};
  ASSERT_EQ(h.layer->dst().get_desc().dims(), out);
  const auto x = Uniform(NumElements(dims), 1);
  const auto y = h.Forward(x);
  const auto dy = Uniform(NumElements(out), 2);
  const auto dx = h.Backward(dy);
  std::vector<float> dx_ref(x.size(), 0.f);
  auto at = [&](int64_t n, int64_t c, int64_t d, int64_t hh, int64_t w) {
    return (((n * dims[1] + c) * dims[2] + d) * dims[3] + hh) * dims[4] + w;
  };
  int64_t o = 0;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t d = 0; d < 2; ++d)
        for (int64_t hh = 0; hh < 2; ++hh)
          for (int64_t w = 0; w < 2; ++w, ++o) {
            double sum = 0;
            for (int k = 0; k < 8; ++k) {
              const int64_t i =
                  at(n, c, 2 * d + (k >> 2), 2 * hh + ((k >> 1) & 1), 2 * w + (k & 1));
              sum += x[i];
              dx_ref[i] += dy[o] / 8.f;
            }
            EXPECT_NEAR(y[o], sum / 8, 1e-6) << o;
          }
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dx_ref[i], 1e-6) << i;
  EXPECT_EQ(dx[at(0, 0, 4, 0, 0)], 0.f);  // dropped trailing row
}

TEST(AvgPool3dTest, Gradient) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<AvgPool3d>("pool", 2));
  const auto r =
      cascade::testing::CheckGradients(std::move(layers), {2, 3, 5, 5, 5}, {});  // 5 -> 2
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 40);
}

}  // namespace
}  // namespace cascade::nn
