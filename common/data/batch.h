// One preprocessed minibatch as the model consumes it.
#pragma once

#include <cstdint>
#include <vector>

namespace cascade::data {

// Buffers are sized for n events; a loader reuses them from batch to batch (swap them back through
// ShardedLoader::Next(Batch&)) so no step allocates.
struct Batch {
  int64_t n = 0;
  std::vector<float> images;  // (n, 1, 25, 25, 25) NCDHW, (D, H, W) = (x, y, z), preprocessed
  std::vector<float> energy_over_100;  // (n) Ep / 100 (the generator's and regression's condition)
  std::vector<float> ecal_sum;         // (n) sum of the preprocessed image (after xscale)
  std::vector<float> energy_gev;       // (n) raw Ep in GeV, for bookkeeping and validation
};

}  // namespace cascade::data
