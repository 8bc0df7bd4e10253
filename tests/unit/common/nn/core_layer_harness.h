// Test helper for the core-layer tests: one layer bound to its own ParamArena and initialised
// for one input descriptor, plus plain-vector wrappers for Forward / Backward.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/nn/layer.h"
#include "common/nn/param_arena.h"

namespace cascade::nn::testing {

template <typename L>
struct Harness {
  Device device;
  ParamArena arena;
  std::unique_ptr<L> layer;
  dnnl::memory::desc input_desc;
  dnnl::memory src, diff_dst;  // in the layer's src_desc() / diff_dst_desc()

  absl::Status Init(std::unique_ptr<L> l, const dnnl::memory::desc& desc) {
    layer = std::move(l);
    input_desc = desc;
    arena.Add(*layer, "");
    arena.Allocate();
    arena.Initialize(1);
    absl::Status s = layer->Init(desc, device);
    if (!s.ok()) return s;
    src = dnnl::memory(layer->src_desc(), device.engine);
    diff_dst = dnnl::memory(layer->diff_dst_desc(), device.engine);
    return absl::OkStatus();
  }
  // Forward of a plain (logical) input; returns the plain output.
  std::vector<float> Forward(const std::vector<float>& x, ForwardArgs args = {}) {
    WriteFromPlain(x, src, device.stream);
    layer->Forward(src, args);
    device.stream.wait();
    return ReadToPlain(layer->dst(), device.stream);
  }
  // Backward of a plain output gradient (after Forward); returns the plain input gradient.
  std::vector<float> Backward(const std::vector<float>& dy, BackwardArgs args = {}) {
    WriteFromPlain(dy, diff_dst, device.stream);
    layer->Backward(src, diff_dst, args);
    device.stream.wait();
    return ReadToPlain(layer->diff_src(), device.stream);
  }
  std::span<float> Tensor(const std::string& name) { return *arena.Find(name); }
  std::span<float> Grad(const std::string& name) { return *arena.FindGrad(name); }
};

inline std::vector<float> Uniform(int64_t n, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

inline dnnl::memory::desc Blocked(const Dims& dims, dnnl::memory::format_tag tag) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag);
}

}  // namespace cascade::nn::testing
