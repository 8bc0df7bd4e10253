#include "common/nn/dropout.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cascade::nn {
namespace {
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

uint64_t SplitMix64(uint64_t x) {
  x += kGolden;
  uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

bool IsChannelBlocked(const dnnl::memory::desc& desc, dnnl::memory::format_tag tag) {
  return desc.dims().size() == 5 &&
         desc == dnnl::memory::desc(desc.dims(), dnnl::memory::data_type::f32, tag);
}

// u = k·2^-24 >= rate  ⟺  k >= ⌈rate·2^24⌉ (rate·2^24 is exact in double): the hot loop
// compares integers.
uint64_t KeepThreshold(float rate) {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(rate) * 0x1p24));
}

bool KeepFast(uint64_t seed, uint64_t logical_index, uint64_t threshold) {
  return (SplitMix64(seed ^ (logical_index * kGolden)) >> 40) >= threshold;
}
}  // namespace

Dropout::Dropout(std::string name, float rate)
    : name_(std::move(name)), rate_(rate), scale_(1.f / (1.f - rate)) {}

bool Dropout::Keep(uint64_t seed, uint64_t logical_index, float rate) {
  const uint64_t h = SplitMix64(seed ^ (logical_index * kGolden));
  const double u = static_cast<double>(h >> 40) * 0x1p-24;
  return u >= static_cast<double>(rate);
}

absl::Status Dropout::Init(const dnnl::memory::desc& src, Device& device) {
  if (!(rate_ >= 0.f && rate_ < 1.f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Dropout '", name_, "': rate ", rate_, " not in [0, 1)"));
  }
  using tag = dnnl::memory::format_tag;
  device_ = &device;
  const Dims dims = src.dims();
  geometry_ = Geometry{};
  int64_t block = 0;
  if (IsChannelBlocked(src, tag::aBcde8b)) block = 8;
  if (IsChannelBlocked(src, tag::aBcde16b)) block = 16;
  // Channels-last (ndhwc) is the same walk with one block holding all C channels.
  if (IsChannelBlocked(src, tag::acdeb)) block = dims[1];
  if (block > 0) {
    desc_ = src;
    geometry_.outer = dims[0];
    geometry_.channels = dims[1];
    geometry_.cblocks = (dims[1] + block - 1) / block;
    geometry_.spatial = dims[2] * dims[3] * dims[4];
    geometry_.block = block;
  } else {
    desc_ = PlainDesc(dims);
    geometry_.spatial = NumElements(dims);
  }
  physical_size_ = static_cast<int64_t>(desc_.get_size() / sizeof(float));
  dst_ = dnnl::memory(desc_, device.engine);
  diff_src_ = dnnl::memory(desc_, device.engine);
  mask_.assign(physical_size_, 0);
  return absl::OkStatus();
}

// Calls f(physical offset, logical index) for every element, padding included (logical −1).
// Each thread walks one contiguous range of (row, s) pairs and carries the indices forward, so
// the loop has no per-element division (that cost more than the hash itself).
template <typename F>
void Dropout::ForEachElement(F&& f) const {
  const Geometry g = geometry_;
  const int64_t total = g.outer * g.cblocks * g.spatial;  // (row, s) pairs
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t begin = total * t / threads, end = total * (t + 1) / threads;
    int64_t row = begin / g.spatial, s = begin % g.spatial;
    int64_t cb = row % g.cblocks;
    // Logical index of channel cb·block at (n, s); channel c adds (c − cb·block)·spatial.
    int64_t logical = ((row / g.cblocks) * g.channels + cb * g.block) * g.spatial + s;
    for (int64_t q = begin; q < end; ++q) {
      const int64_t base = q * g.block;
      for (int64_t ci = 0; ci < g.block; ++ci) {
        f(base + ci, cb * g.block + ci < g.channels ? logical + ci * g.spatial : int64_t{-1});
      }
      ++logical;
      if (++s == g.spatial) {  // next channel block (or next sample)
        s = 0;
        ++row;
        cb = row % g.cblocks;
        logical = ((row / g.cblocks) * g.channels + cb * g.block) * g.spatial;
      }
    }
  }
}

void Dropout::Forward(const dnnl::memory& src, const ForwardArgs& args) {
  const auto* x = static_cast<const float*>(src.get_data_handle());
  auto* y = static_cast<float*>(dst_.get_data_handle());
  last_forward_training_ = args.training;
  if (!args.training) {
    std::memcpy(y, x, physical_size_ * sizeof(float));
    return;
  }
  const uint64_t seed = args.dropout_seed;
  const uint64_t threshold = KeepThreshold(rate_);
  const float scale = scale_;
  uint8_t* mask = mask_.data();
  ForEachElement([=](int64_t p, int64_t i) {
    const bool keep = i >= 0 && KeepFast(seed, static_cast<uint64_t>(i), threshold);
    mask[p] = keep;
    y[p] = keep ? x[p] * scale : 0.f;
  });
}

void Dropout::Backward(const dnnl::memory& /*src*/, const dnnl::memory& diff_dst,
                       const BackwardArgs& args) {
  if (!args.need_diff_src) return;
  const auto* dy = static_cast<const float*>(diff_dst.get_data_handle());
  auto* dx = static_cast<float*>(diff_src_.get_data_handle());
  if (!last_forward_training_) {
    std::memcpy(dx, dy, physical_size_ * sizeof(float));
    return;
  }
  const uint8_t* mask = mask_.data();
  const float scale = scale_;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < physical_size_; ++p) dx[p] = mask[p] ? dy[p] * scale : 0.f;
}

}  // namespace cascade::nn
