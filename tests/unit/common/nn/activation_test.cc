#include "common/nn/activation.h"

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

float Naive(ActivationKind kind, float x, float alpha) {
  switch (kind) {
    case ActivationKind::kRelu:
      return x > 0 ? x : 0.f;
    case ActivationKind::kLeakyRelu:
      return x > 0 ? x : alpha * x;
    default:
      return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
  }
}

float NaiveDerivative(ActivationKind kind, float x, float alpha) {
  switch (kind) {
    case ActivationKind::kRelu:
      return x > 0 ? 1.f : 0.f;
    case ActivationKind::kLeakyRelu:
      return x > 0 ? 1.f : alpha;
    default: {
      const float s = Naive(kind, x, alpha);
      return s * (1 - s);
    }
  }
}

class ActivationTest : public ::testing::TestWithParam<ActivationKind> {};

TEST_P(ActivationTest, ForwardMatchesNaiveReference) {
  const auto kind = GetParam();
  const Dims dims{2, 3, 2, 3, 4};
  Harness<Activation> h;
  ASSERT_TRUE(h.Init(std::make_unique<Activation>("act", kind, 0.3f), PlainDesc(dims)).ok());
  const auto x = Uniform(NumElements(dims), 11, -3.f, 3.f);
  const auto y = h.Forward(x);
  const auto dy = Uniform(NumElements(dims), 12);
  const auto dx = h.Backward(dy);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_NEAR(y[i], Naive(kind, x[i], 0.3f), 1e-6) << i;
    ASSERT_NEAR(dx[i], dy[i] * NaiveDerivative(kind, x[i], 0.3f), 1e-6) << i;
  }
}

TEST_P(ActivationTest, Gradient) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Activation>("act", GetParam(), 0.3f));
  cascade::testing::GradientCheckOptions opts;
  opts.kink = 2 * opts.step;  // the ReLU kink at 0 has no derivative
  opts.input_min = -3.f;
  opts.input_max = 3.f;
  const auto r = cascade::testing::CheckGradients(std::move(layers), {2, 3, 2, 2, 4}, opts);
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 40);
}

INSTANTIATE_TEST_SUITE_P(Kinds, ActivationTest,
                         ::testing::Values(ActivationKind::kRelu, ActivationKind::kLeakyRelu,
                                           ActivationKind::kSigmoid),
                         [](const auto& info) {
                           switch (info.param) {
                             case ActivationKind::kRelu:
                               return std::string("Relu");
                             case ActivationKind::kLeakyRelu:
                               return std::string("LeakyRelu");
                             default:
                               return std::string("Sigmoid");
                           }
                         });

TEST(ActivationShapeTest, KeepsTheOfferedBlockedLayout) {
  const Dims dims{2, 16, 3, 3, 3};
  const auto desc = Blocked(dims, tag::aBcde16b);
  Harness<Activation> h;
  ASSERT_TRUE(h.Init(std::make_unique<Activation>("act", ActivationKind::kLeakyRelu), desc).ok());
  EXPECT_EQ(h.layer->src_desc(), desc);
  EXPECT_EQ(h.layer->dst().get_desc(), desc);
  EXPECT_EQ(h.layer->diff_dst_desc(), desc);
  EXPECT_EQ(h.layer->diff_src().get_desc(), desc);
  const auto x = Uniform(NumElements(dims), 3);
  const auto y = h.Forward(x);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_FLOAT_EQ(y[i], x[i] > 0 ? x[i] : 0.3f * x[i]);
}

TEST(ActivationShapeTest, RejectsNone) {
  Harness<Activation> h;
  EXPECT_FALSE(
      h.Init(std::make_unique<Activation>("act", ActivationKind::kNone), PlainDesc({2, 3})).ok());
}

}  // namespace
}  // namespace cascade::nn
