#include "common/nn/sequential.h"

#include <gtest/gtest.h>

#include "common/nn/param_arena.h"

namespace cascade::nn {
namespace {

// A layer that multiplies by a learnable scalar and insists on a plain layout, so the test
// can observe planned reorders and gradient flow without depending on any real layer.
class Scale : public Layer {
 public:
  std::string name() const override { return "scale"; }
  std::vector<TensorSpec> Params() const override { return {{"alpha", {1}, Initializer::kOnes}}; }
  void Bind(std::vector<std::span<float>> p, std::vector<std::span<float>> g,
            std::vector<std::span<float>>) override {
    alpha_ = p[0];
    dalpha_ = g[0];
  }
  absl::Status Init(const dnnl::memory::desc& src, Device& device) override {
    desc_ = PlainDesc(src.dims());
    dst_ = dnnl::memory(desc_, device.engine);
    diff_src_ = dnnl::memory(desc_, device.engine);
    n_ = NumElements(src.dims());
    return absl::OkStatus();
  }
  dnnl::memory::desc src_desc() const override { return desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return desc_; }
  const dnnl::memory& diff_src() const override { return diff_src_; }
  void Forward(const dnnl::memory& src, const ForwardArgs&) override {
    auto* x = static_cast<const float*>(src.get_data_handle());
    auto* y = static_cast<float*>(dst_.get_data_handle());
    for (int64_t i = 0; i < n_; ++i) y[i] = alpha_[0] * x[i];
  }
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override {
    auto* x = static_cast<const float*>(src.get_data_handle());
    auto* dy = static_cast<const float*>(diff_dst.get_data_handle());
    auto* dx = static_cast<float*>(diff_src_.get_data_handle());
    double da = 0;
    for (int64_t i = 0; i < n_; ++i) {
      da += dy[i] * x[i];
      dx[i] = alpha_[0] * dy[i];
    }
    if (args.need_param_grads) dalpha_[0] = static_cast<float>(da);
  }

 private:
  std::span<float> alpha_, dalpha_;
  dnnl::memory::desc desc_;
  dnnl::memory dst_, diff_src_;
  int64_t n_ = 0;
};

TEST(SequentialTest, ChainsForwardAndBackwardThroughArena) {
  Device device;
  Sequential net;
  net.Add(std::make_unique<Scale>());
  net.Add(std::make_unique<Scale>());
  ParamArena arena;
  net.RegisterParams(arena, "m/");
  arena.Allocate();
  arena.Initialize(1);
  ASSERT_EQ(arena.entries().size(), 2u);
  EXPECT_EQ(arena.entries()[0].name, "m/scale/alpha");
  arena.params()[0] = 2.f;
  arena.params()[1] = 3.f;

  const Dims dims{2, 3};
  ASSERT_TRUE(net.Init(PlainDesc(dims), device).ok());
  EXPECT_EQ(net.num_planned_reorders(), 0);
  std::vector<float> x{1, 2, 3, 4, 5, 6};
  dnnl::memory xm(PlainDesc(dims), device.engine, x.data());
  auto y = ReadToPlain(net.Forward(xm, {}), device.stream);
  EXPECT_FLOAT_EQ(y[5], 36.f);

  std::vector<float> ones(6, 1.f);
  dnnl::memory gm(PlainDesc(dims), device.engine, ones.data());
  auto dx = ReadToPlain(net.Backward(gm, {}), device.stream);
  EXPECT_FLOAT_EQ(dx[0], 6.f);
  EXPECT_FLOAT_EQ(arena.grads()[1], 2.f * 21.f);  // d/d alpha2 = Σ alpha1·x
  EXPECT_FLOAT_EQ(arena.grads()[0], 3.f * 21.f);
}

TEST(SequentialTest, ReordersBlockedInputToWhatTheLayerWants) {
  Device device;
  Sequential net;
  net.Add(std::make_unique<Scale>());
  ParamArena arena;
  net.RegisterParams(arena, "");
  arena.Allocate();
  arena.Initialize(1);
  const Dims dims{1, 16, 2, 2, 2};
  auto blocked =
      dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nCdhw16c);
  ASSERT_TRUE(net.Init(blocked, device).ok());
  EXPECT_EQ(net.num_planned_reorders(), 2);  // forward in, gradient back out
  std::vector<float> x(NumElements(dims));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  dnnl::memory xm(blocked, device.engine);
  WriteFromPlain(x, xm, device.stream);
  auto y = ReadToPlain(net.Forward(xm, {}), device.stream);
  EXPECT_EQ(y, x);
}

}  // namespace
}  // namespace cascade::nn
