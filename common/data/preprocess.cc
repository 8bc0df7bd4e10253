#include "common/data/preprocess.h"

#include "common/data/shower_file.h"

namespace cascade::data {

float PreprocessShower(const float* raw, float* out, const PreprocessOptions& options) {
  double sum = 0.0;  // double: 15625 float adds would lose ~1e-4 relative
  for (int64_t i = 0; i < kShowerSize; ++i) {
    const float v = raw[i] < options.threshold_gev ? 0.0f : raw[i] * options.xscale;
    out[i] = v;
    sum += v;
  }
  return static_cast<float>(sum);
}

void PreprocessShowers(int64_t n, float* images, const float* energy_gev, float* energy_over_scale,
                       float* ecal_sum, const PreprocessOptions& options) {
  for (int64_t e = 0; e < n; ++e) {
    float* image = images + e * kShowerSize;
    ecal_sum[e] = PreprocessShower(image, image, options);
    energy_over_scale[e] = energy_gev[e] / options.energy_scale;
  }
}

}  // namespace cascade::data
