#include "common/nn/reshape.h"

#include <gtest/gtest.h>

#include "tests/testing/gradient_checker.h"
#include "tests/unit/common/nn/core_layer_harness.h"

namespace cascade::nn {
namespace {
using testing::Blocked;
using testing::Harness;
using testing::Uniform;

TEST(ReshapeTest, Shapes) {
  Harness<Reshape> flatten;
  const Dims dims{3, 8, 11, 11, 11};
  ASSERT_TRUE(flatten
                  .Init(std::make_unique<Reshape>("flatten", Dims{10648}),
                        Blocked(dims, dnnl::memory::format_tag::aBcde8b))
                  .ok());
  EXPECT_EQ(flatten.layer->src_desc(), PlainDesc(dims));  // needs plain: asks for a reorder
  EXPECT_EQ(flatten.layer->dst().get_desc(), PlainDesc({3, 10648}));
  EXPECT_EQ(flatten.layer->diff_dst_desc(), PlainDesc({3, 10648}));
  EXPECT_EQ(flatten.layer->diff_src().get_desc(), PlainDesc(dims));

  Harness<Reshape> up;
  ASSERT_TRUE(
      up.Init(std::make_unique<Reshape>("reshape", Dims{8, 7, 7, 8}), PlainDesc({2, 3136})).ok());
  EXPECT_EQ(up.layer->dst().get_desc(), PlainDesc({2, 8, 7, 7, 8}));

  Harness<Reshape> bad;
  EXPECT_EQ(bad.Init(std::make_unique<Reshape>("r", Dims{5}), PlainDesc({2, 6})).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReshapeTest, ForwardAndBackwardAliasWithoutCopy) {
  Harness<Reshape> h;
  ASSERT_TRUE(h.Init(std::make_unique<Reshape>("r", Dims{2, 6}), PlainDesc({2, 3, 4})).ok());
  const auto x = Uniform(24, 1);
  EXPECT_EQ(h.Forward(x), x);  // row-major order is unchanged
  EXPECT_EQ(h.layer->dst().get_data_handle(), h.src.get_data_handle());
  const auto dy = Uniform(24, 2);
  EXPECT_EQ(h.Backward(dy), dy);
  EXPECT_EQ(h.layer->diff_src().get_data_handle(), h.diff_dst.get_data_handle());
}

TEST(ReshapeTest, Gradient) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Reshape>("r", Dims{24}));
  const auto r = cascade::testing::CheckGradients(std::move(layers), {2, 2, 3, 2, 2}, {});
  EXPECT_EQ(r.failed, 0) << r.first_failure;
  EXPECT_GT(r.checked, 40);
}

}  // namespace
}  // namespace cascade::nn
