// Dropout: Keras Dropout(rate). Training: y = x·mask/(1 − rate); inference: y = x.
//
// The mask is a pure function of (ForwardArgs::dropout_seed, logical element index), so an
// independent script can reproduce it and runs are deterministic. For the element with logical
// plain (row-major NCDHW, batch included) index i:
//   h = splitmix64(seed ^ (i · 0x9E3779B97F4A7C15))   (mod 2^64)
//   u = (h >> 40) · 2^-24                              (24-bit uniform in [0, 1))
//   keep iff u >= rate                                 (float rate widened to double)
// i.e. keep iff (h >> 40) >= ceil(float32(rate) · 2^24), which is how Forward() tests it.
// Layouts: works in place of whatever it is offered when that is plain or channel-blocked
// aBcde8b / aBcde16b (the logical index is derived from the physical offset; channel padding
// stays 0), so it never forces a reorder; any other layout is requested as plain.
// Invariant: mask_ (physical order) holds the mask of the last training Forward() for Backward().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/nn/layer.h"

namespace cascade::nn {

class Dropout : public Layer {
 public:
  explicit Dropout(std::string name, float rate = 0.2f);

  std::string name() const override { return name_; }
  absl::Status Init(const dnnl::memory::desc& src, Device& device) override;

  dnnl::memory::desc src_desc() const override { return desc_; }
  const dnnl::memory& dst() const override { return dst_; }
  dnnl::memory::desc diff_dst_desc() const override { return desc_; }
  const dnnl::memory& diff_src() const override { return diff_src_; }

  void Forward(const dnnl::memory& src, const ForwardArgs& args) override;
  void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                const BackwardArgs& args) override;

  float rate() const { return rate_; }
  // The mask definition above, for one element.
  static bool Keep(uint64_t seed, uint64_t logical_index, float rate);

 private:
  // The physical layout as (outer, channel blocks, spatial, block): offset
  // ((outer·cblocks + cb)·spatial + s)·block + ci holds channel cb·block + ci. Plain tensors
  // are the block = 1, channels = 1 case.
  struct Geometry {
    int64_t outer = 1, channels = 1, cblocks = 1, spatial = 1, block = 1;
  };
  template <typename F>
  void ForEachElement(F&& f) const;

  std::string name_;
  float rate_;
  float scale_;  // 1 / (1 − rate)
  Device* device_ = nullptr;
  dnnl::memory::desc desc_;
  Geometry geometry_;
  int64_t physical_size_ = 0;  // floats, channel padding included
  dnnl::memory dst_, diff_src_;
  std::vector<uint8_t> mask_;  // (physical_size_), 1 = kept
  bool last_forward_training_ = false;
};

}  // namespace cascade::nn
