// Small helpers around dnnl::memory used by layers, models and tests.
#pragma once

#include <cstdint>
#include <dnnl.hpp>
#include <span>
#include <vector>

namespace cascade::nn {

using Dims = dnnl::memory::dims;

// Plain row-major ("a", "ab", ... "abcde") f32 descriptor for `dims`.
dnnl::memory::desc PlainDesc(const Dims& dims);
// `any` f32 descriptor: lets a compute-bound primitive choose a blocked layout.
dnnl::memory::desc AnyDesc(const Dims& dims);
// Channels-last f32 descriptor (ndhwc for 5-D, nc for 2-D).
dnnl::memory::desc NspcDesc(const Dims& dims);
int64_t NumElements(const Dims& dims);

// Copies between plain host vectors and a memory of any layout (reorders when blocked).
// For tests, I/O and edges of the model only; never inside a training step's hot loop.
void WriteFromPlain(std::span<const float> plain, dnnl::memory& mem, dnnl::stream& stream);
std::vector<float> ReadToPlain(const dnnl::memory& mem, dnnl::stream& stream);

}  // namespace cascade::nn
