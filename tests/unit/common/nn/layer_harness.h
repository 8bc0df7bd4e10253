// LayerHarness: runs a few layers as a Sequential on plain host vectors, for the layer tests
// (conv, dense, padding, upsampling) that compare against naive loops.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "common/nn/param_arena.h"
#include "common/nn/sequential.h"

namespace cascade::nn::testing {

class LayerHarness {
 public:
  // Registers and initialises the parameters (seeded), then plans for a plain input.
  LayerHarness(std::vector<std::unique_ptr<Layer>> layers, const Dims& input_dims,
               uint64_t seed = 3)
      : input_dims_(input_dims) {
    for (auto& l : layers) net_.Add(std::move(l));
    net_.RegisterParams(arena_, "");
    arena_.Allocate();
    arena_.Initialize(seed);
    // Biases start at zero; randomise every parameter so the bias path is exercised too.
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (float& p : arena_.params()) p = u(rng);
    status_ = net_.Init(PlainDesc(input_dims), device_);
  }

  const absl::Status& status() const { return status_; }
  Sequential& net() { return net_; }
  ParamArena& arena() { return arena_; }
  Device& device() { return device_; }

  std::vector<float> Forward(std::vector<float>& x) {
    // Kept as a member: Backward() reads the same input memory the Forward() saw.
    input_ = dnnl::memory(PlainDesc(input_dims_), device_.engine, x.data());
    const auto& y = net_.Forward(input_, {});
    device_.stream.wait();
    return ReadToPlain(y, device_.stream);
  }

  // Plain diff_src for a plain diff_dst, after a Forward() whose input is still alive.
  std::vector<float> Backward(std::vector<float>& dy, const BackwardArgs& args = {}) {
    dnnl::memory gm(net_.dst_desc(), device_.engine);
    WriteFromPlain(dy, gm, device_.stream);
    const auto& dx = net_.Backward(gm, args);
    device_.stream.wait();
    return args.need_diff_src ? ReadToPlain(dx, device_.stream) : std::vector<float>{};
  }

 private:
  Dims input_dims_;
  Device device_;
  Sequential net_;
  ParamArena arena_;
  absl::Status status_;
  dnnl::memory input_;  // views the caller's vector, which must outlive Backward()
};

inline std::vector<float> RandomVector(size_t n, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

}  // namespace cascade::nn::testing
