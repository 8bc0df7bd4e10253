#include "common/nn/dropout.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/core_layer_harness.h"

namespace cascade::nn {
namespace {
using testing::Blocked;
using testing::Harness;
using testing::Uniform;
using tag = dnnl::memory::format_tag;

TEST(DropoutTest, MaskDefinitionMatchesSplitMix64) {
  // splitmix64 seeded with 0 first returns 0xE220A8397B1DCDAF (Vigna's reference), so for
  // seed 0, index 0: u = 0xE220A8 / 2^24 = 0.88330...
  EXPECT_TRUE(Dropout::Keep(0, 0, 0.8833f));
  EXPECT_FALSE(Dropout::Keep(0, 0, 0.8834f));
}

TEST(DropoutTest, Shapes) {
  const Dims dims{2, 3, 4, 5, 6};
  Harness<Dropout> h;
  ASSERT_TRUE(h.Init(std::make_unique<Dropout>("drop", 0.2f), PlainDesc(dims)).ok());
  EXPECT_EQ(h.layer->dst().get_desc(), PlainDesc(dims));
  EXPECT_TRUE(h.layer->Params().empty());

  Harness<Dropout> odd;  // a layout it cannot walk is requested as plain
  ASSERT_TRUE(odd.Init(std::make_unique<Dropout>("drop"), Blocked(dims, tag::aBcde4b)).ok());
  EXPECT_EQ(odd.layer->src_desc(), PlainDesc(dims));

  Harness<Dropout> bad;
  EXPECT_FALSE(bad.Init(std::make_unique<Dropout>("drop", 1.f), PlainDesc(dims)).ok());
}

TEST(DropoutTest, ForwardMatchesNaiveReference) {
  const Dims dims{2, 3, 2, 3, 4};
  const float rate = 0.3f;
  Harness<Dropout> h;
  ASSERT_TRUE(h.Init(std::make_unique<Dropout>("drop", rate), PlainDesc(dims)).ok());
  const auto x = Uniform(NumElements(dims), 1);
  const auto y = h.Forward(x, {.training = true, .dropout_seed = 99});
  const auto dy = Uniform(NumElements(dims), 2);
  const auto dx = h.Backward(dy);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool keep = Dropout::Keep(99, i, rate);
    ASSERT_FLOAT_EQ(y[i], keep ? x[i] / (1 - rate) : 0.f) << i;
    ASSERT_FLOAT_EQ(dx[i], keep ? dy[i] / (1 - rate) : 0.f) << i;
  }
  // Inference: identity both ways.
  EXPECT_EQ(h.Forward(x, {.training = false, .dropout_seed = 99}), x);
  EXPECT_EQ(h.Backward(dy), dy);
}

TEST(DropoutTest, MaskIsDeterministicAndHasTheRate) {
  const Dims dims{4, 8, 25, 25, 25};  // 500k elements
  Harness<Dropout> h;
  ASSERT_TRUE(h.Init(std::make_unique<Dropout>("drop", 0.2f), PlainDesc(dims)).ok());
  const std::vector<float> ones(NumElements(dims), 1.f);
  const auto a = h.Forward(ones, {.training = true, .dropout_seed = 5});
  const auto b = h.Forward(ones, {.training = true, .dropout_seed = 5});
  const auto c = h.Forward(ones, {.training = true, .dropout_seed = 6});
  EXPECT_EQ(a, b);
  int64_t dropped = 0, differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dropped += a[i] == 0.f;
    differ += (a[i] == 0.f) != (c[i] == 0.f);
  }
  const double n = static_cast<double>(a.size());
  EXPECT_NEAR(dropped / n, 0.2, 0.003);  // binomial σ ≈ 0.0006
  EXPECT_NEAR(differ / n, 0.32, 0.005);  // independent masks: 2·0.2·0.8
}

class DropoutBlockedTest : public ::testing::TestWithParam<std::pair<int64_t, tag>> {};

TEST_P(DropoutBlockedTest, SameLogicalMaskAsPlainAndZeroPadding) {
  const auto [channels, layout] = GetParam();
  const Dims dims{2, channels, 3, 2, 5};
  const auto desc = Blocked(dims, layout);
  Harness<Dropout> blocked, plain;
  ASSERT_TRUE(blocked.Init(std::make_unique<Dropout>("drop"), desc).ok());
  ASSERT_TRUE(plain.Init(std::make_unique<Dropout>("drop"), PlainDesc(dims)).ok());
  EXPECT_EQ(blocked.layer->src_desc(), desc);  // no reorder forced
  EXPECT_EQ(blocked.layer->dst().get_desc(), desc);
  const auto x = Uniform(NumElements(dims), 4);
  const ForwardArgs args{.training = true, .dropout_seed = 1234};
  EXPECT_EQ(blocked.Forward(x, args), plain.Forward(x, args));
  const auto dy = Uniform(NumElements(dims), 5);
  EXPECT_EQ(blocked.Backward(dy), plain.Backward(dy));

  // Padded channels (physical slots past C) stay 0 in dst and diff_src.
  const int64_t block = layout == tag::aBcde16b ? 16 : layout == tag::aBcde8b ? 8 : channels;
  const int64_t padded = (channels + block - 1) / block * block;
  const int64_t spatial = dims[2] * dims[3] * dims[4];
  for (const dnnl::memory* m : {&blocked.layer->dst(), &blocked.layer->diff_src()}) {
    ASSERT_EQ(m->get_desc().get_size(), dims[0] * padded * spatial * sizeof(float));
    const auto* p = static_cast<const float*>(m->get_data_handle());
    for (int64_t q = 0; q < dims[0] * padded * spatial; ++q) {
      const int64_t c = (q / (spatial * block)) % (padded / block) * block + q % block;
      if (c >= channels) ASSERT_EQ(p[q], 0.f) << q;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, DropoutBlockedTest,
    ::testing::Values(std::pair{int64_t{16}, tag::aBcde16b}, std::pair{int64_t{12}, tag::aBcde16b},
                      std::pair{int64_t{8}, tag::aBcde8b}, std::pair{int64_t{6}, tag::aBcde8b},
                      std::pair{int64_t{6}, tag::acdeb}, std::pair{int64_t{32}, tag::acdeb}),
    [](const auto& info) {
      return "C" + std::to_string(info.param.first) +
             (info.param.second == tag::acdeb      ? std::string("ChannelsLast")
              : info.param.second == tag::aBcde16b ? std::string("Block16")
                                                   : std::string("Block8"));
    });

TEST(DropoutTest, Gradient) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dropout>("drop", 0.5f));
  cascade::testing::GradientCheckOptions opts;
  opts.seed = 77;  // fixed dropout seed: every forward of the check sees the same mask
  const auto r = cascade::testing::CheckGradients(std::move(layers), {2, 3, 2, 2, 4}, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 40);
}

}  // namespace
}  // namespace cascade::nn
