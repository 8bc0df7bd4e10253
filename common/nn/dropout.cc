#include "common/nn/dropout.h"

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
template <typename F>
void Dropout::ForEachElement(F&& f) const {
  const Geometry g = geometry_;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t row = 0; row < g.outer * g.cblocks; ++row) {
    for (int64_t s = 0; s < g.spatial; ++s) {
      const int64_t n = row / g.cblocks, cb = row % g.cblocks;
      const int64_t base = (row * g.spatial + s) * g.block;
      for (int64_t ci = 0; ci < g.block; ++ci) {
        const int64_t c = cb * g.block + ci;
        f(base + ci, c < g.channels ? (n * g.channels + c) * g.spatial + s : int64_t{-1});
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
  const float rate = rate_, scale = scale_;
  uint8_t* mask = mask_.data();
  ForEachElement([&](int64_t p, int64_t i) {
    const bool keep = i >= 0 && Keep(seed, static_cast<uint64_t>(i), rate);
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
