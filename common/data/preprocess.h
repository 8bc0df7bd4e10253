// The 3DGAN input preprocessing (reference/physics.md §1.1, Energy-gan GetprocData):
//   cells < 1e-6 GeV -> 0, then x xscale; condition y = Ep / 100; ecal_sum = sum of cells after
//   xscale.
// No power transform and no event removal (those belong to the variable-angle recipe, §1.2).
#pragma once

#include <cstdint>

namespace cascade::data {

struct PreprocessOptions {
  float threshold_gev = 1e-6f;  // applied to raw GeV values, before xscale
  float xscale = 100.0f;        // Energy-gan default; the sara-nl Horovod script uses 1
  float energy_scale = 100.0f;  // y = Ep / energy_scale
};

// Preprocesses one event of kShowerSize cells (raw may alias out) and returns its sum after xscale.
float PreprocessShower(const float* raw, float* out, const PreprocessOptions& options);

// Preprocesses n events in place: images (n, 25, 25, 25); writes ecal_sum (n) and
// energy_over_scale (n) from energy_gev (n).
void PreprocessShowers(int64_t n, float* images, const float* energy_gev, float* energy_over_scale,
                       float* ecal_sum, const PreprocessOptions& options);

}  // namespace cascade::data
