#include "toy_showers.h"

#include <cmath>
#include <random>

#include "common/physics/validation_metrics.h"

namespace cascade::physics::testing {

ToyShowers EmptyShowers(int64_t n, float ep) {
  ToyShowers s;
  s.n = n;
  s.ecal.assign(n * kCellsPerShower, 0.0f);
  s.energy.assign(n, ep);
  return s;
}

ToyShowers ToyElectronShowers(int64_t n, uint64_t seed, double sampling_scale) {
  ToyShowers s = EmptyShowers(n, 0.0f);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int64_t e = 0; e < n; ++e) {
    const double ep = 2.0 + 498.0 * uniform(rng);
    s.energy[e] = static_cast<float>(ep);
    const double total =
        ep * EcalFitSamplingFraction(ep) * sampling_scale * (1.0 + 0.05 * normal(rng));
    const double peak = 4.0 + 1.8 * std::log(ep) + 0.5 * normal(rng);  // layers
    const double cx = 12.0 + (uniform(rng) - 0.5), cy = 12.0 + (uniform(rng) - 0.5);
    double weights_sum = 0.0;
    std::vector<double> w(kCellsPerShower);
    for (int x = 0; x < kGrid; ++x) {
      for (int y = 0; y < kGrid; ++y) {
        const double r = std::hypot(x - cx, y - cy);
        for (int z = 0; z < kGrid; ++z) {
          const double t = (z + 0.5) / peak;
          const double v = std::pow(t, 3.0) * std::exp(-3.0 * t) * std::exp(-r / (1.0 + 0.05 * z));
          w[(x * kGrid + y) * kGrid + z] = v;
          weights_sum += v;
        }
      }
    }
    for (int64_t c = 0; c < kCellsPerShower; ++c) {
      const double v = total * w[c] / weights_sum;
      s.ecal[e * kCellsPerShower + c] = v < 1e-6 ? 0.0f : static_cast<float>(v);
    }
  }
  return s;
}

}  // namespace cascade::physics::testing
