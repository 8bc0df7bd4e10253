// Gloo's legacy bandwidth-optimal ring (reduce-scatter + allgather) bound to a staging buffer.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "gloo/allreduce_ring_chunked.h"

namespace cascade::collective {

// gloo::AllreduceRingChunked registers its buffer with the pairs once, under context slots taken
// in construction order. A caller's span may move between calls while peers' spans do not, so
// binding it directly would let ranks rebuild at different times and desynchronise slots.
// Instead each instance owns a staging buffer of `count` floats, allocated and faulted in once;
// ranks create instances keyed by count, which every rank sees in the same order.
// Run() copies in, reduces, copies out (2 memcpy of S, small next to 2S on the wire).
// Throws Gloo's exceptions; the caller converts them.
class RingChunkedAllreducer {
 public:
  RingChunkedAllreducer(const std::shared_ptr<gloo::Context>& context, size_t count);

  size_t count() const { return staging_.size(); }
  void Run(std::span<float> data);

 private:
  std::vector<float> staging_;  // [count], zero-filled so its pages are resident before step 1
  std::unique_ptr<gloo::AllreduceRingChunked<float>> algorithm_;
};

}  // namespace cascade::collective
