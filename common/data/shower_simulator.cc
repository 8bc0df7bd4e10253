#include "common/data/shower_simulator.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "common/data/gflash_profile.h"
#include "common/data/seeding.h"
#include "common/data/shower_file.h"
#include "common/status_macros.h"

namespace cascade::data {
namespace {

constexpr double kImpactCell = 12.5;  // centre of cell 12, in cell units from the window edge
constexpr float kStoreThresholdGeV = 1e-6f;  // physics.md §3.6 step 4, as the 3DGAN loader cuts

}  // namespace

absl::StatusOr<ShowerSimulator> ShowerSimulator::Create(const GflashConfig& config) {
  CASCADE_RETURN_IF_ERROR(ValidateGflashConfig(config));
  return ShowerSimulator(config);
}

ShowerSimulator::ShowerSimulator(const GflashConfig& config)
    : config_(config), stack_(DeriveSamplingStack(config)) {}

void ShowerSimulator::Simulate(double energy_gev, uint64_t stream_seed, float* out) const {
  std::mt19937_64 rng(stream_seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::fill(out, out + kShowerSize, 0.0f);

  const double cell = config_.cell_mm;
  const double spread = config_.impact_spread_cells;
  const double x0 = (kImpactCell + spread * (2 * uniform(rng) - 1)) * cell;  // mm from window edge
  const double y0 = (kImpactCell + spread * (2 * uniform(rng) - 1)) * cell;

  const LongitudinalMeans means = ComputeLongitudinalMeans(energy_gev, stack_);
  double z1 = 0, z2 = 0;
  if (config_.fluctuations) {
    z1 = config_.profile_fluctuation_scale * normal(rng);
    z2 = config_.profile_fluctuation_scale * normal(rng);
  }
  const ShowerShape shape = DrawShowerShape(means, z1, z2, stack_);
  const double total_spots = SpotCount(energy_gev, config_.sampling_resolution);
  const double window = kShowerCells * cell;

  double p_prev = 0, spot_prev = 0;
  for (int layer = 0; layer < kShowerCells; ++layer) {
    const double t_end = (layer + 1) * stack_.layer_x0;
    const double p_end = RegularizedGammaP(shape.alpha, shape.beta * t_end);
    const double spot_end = RegularizedGammaP(shape.spot_alpha, shape.spot_beta * t_end);
    const double layer_energy = energy_gev * (p_end - p_prev);
    const double spots = std::max(1.0, std::round(total_spots * (spot_end - spot_prev)));
    p_prev = p_end;
    spot_prev = spot_end;
    if (layer_energy <= 0) continue;
    const float spot_energy = static_cast<float>(layer_energy / spots);
    const double tau = (t_end - 0.5 * stack_.layer_x0) * shape.tau_per_x0;
    const RadialProfile radial = ComputeRadialProfile(tau, energy_gev, stack_);
    for (int64_t s = 0; s < static_cast<int64_t>(spots); ++s) {
      const double radius_rm = uniform(rng) < radial.p_core ? radial.r_core : radial.r_tail;
      const double u = uniform(rng);
      const double r = stack_.rm_mm * radius_rm * std::sqrt(u / (1 - u));
      const double phi = 2 * std::numbers::pi * uniform(rng);
      const double x = x0 + r * std::cos(phi), y = y0 + r * std::sin(phi);
      if (x < 0 || y < 0 || x >= window || y >= window) continue;  // lateral leakage
      const int ix = static_cast<int>(x / cell), iy = static_cast<int>(y / cell);
      out[(ix * kShowerCells + iy) * kShowerCells + layer] += spot_energy;
    }
  }

  const double var_per_gev = config_.sampling_resolution * config_.sampling_resolution;
  const float fraction = static_cast<float>(stack_.sampling_fraction);
  for (int64_t i = 0; i < kShowerSize; ++i) {
    if (out[i] <= 0.0f) continue;
    double deposit = out[i];
    if (config_.fluctuations) {
      // Gamma(shape E/sigma^2, scale sigma^2): mean E, variance sigma^2 E; additive over cells.
      deposit = std::gamma_distribution<double>(deposit / var_per_gev, var_per_gev)(rng);
    }
    const float visible = static_cast<float>(deposit) * fraction;
    out[i] = visible < kStoreThresholdGeV ? 0.0f : visible;
  }
}

double ShowerSimulator::SimulateEvent(uint64_t seed, int64_t index, double e_min, double e_max,
                                      float* out) const {
  std::mt19937_64 rng(StreamSeed(seed, static_cast<uint64_t>(index), /*salt=*/1));
  const double energy = e_min + (e_max - e_min) * std::uniform_real_distribution<double>(0, 1)(rng);
  Simulate(energy, StreamSeed(seed, static_cast<uint64_t>(index), /*salt=*/2), out);
  return energy;
}

void ShowerSimulator::SimulateEvents(uint64_t seed, int64_t first, int64_t count, double e_min,
                                     double e_max, int threads, float* ecal, float* energy) const {
  const int num_threads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 4) num_threads(num_threads)
  for (int64_t i = 0; i < count; ++i) {
    energy[i] =
        static_cast<float>(SimulateEvent(seed, first + i, e_min, e_max, ecal + i * kShowerSize));
  }
}

}  // namespace cascade::data
