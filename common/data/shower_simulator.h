// Synthetic EleEscan showers from the GFlash parametrisation (reference/physics.md §3.6):
//   1. impact point U(+-impact_spread) cells around the centre of cell 12 in x and y;
//   2. T and alpha with correlated log-normal fluctuations (§3.3); the energy of layer l is
//      E [P(alpha, beta t_{l+1}) - P(alpha, beta t_l)], layers 0.605 X0,eff thick, so the Gamma
//      tail beyond layer 25 is the longitudinal leakage;
//   3. each layer's energy is split equally over its spots (count from the spot profile, §3.5),
//   each
//      placed at a radius from the core/tail profile at the layer's mid-depth (§3.4) and a uniform
//      azimuth; spots outside the 25x25 window are the lateral leakage;
//   4. per cell, the visible energy is Gamma-distributed with mean f_Si E_cell and relative
//   variance
//      sigma_samp^2 / E_cell (E in GeV) — cells add up to sigma_samp/sqrt(E) for the shower — then
//      cells below 1e-6 GeV are zeroed.
// Every event draws from its own generator seeded by (seed, event index), so results do not depend
// on the thread count or on how events are split into files.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/data/gflash_config.h"

namespace cascade::data {

class ShowerSimulator {
 public:
  static absl::StatusOr<ShowerSimulator> Create(const GflashConfig& config);

  const GflashConfig& config() const { return config_; }
  const SamplingStack& stack() const { return stack_; }

  // One shower of primary energy `energy_gev` into out (25, 25, 25) (x, y, z), visible GeV.
  void Simulate(double energy_gev, uint64_t stream_seed, float* out) const;

  // Event `index` under `seed`, Ep ~ U(e_min, e_max); returns Ep.
  double SimulateEvent(uint64_t seed, int64_t index, double e_min, double e_max, float* out) const;

  // Events [first, first + count) into ecal (count, 25, 25, 25) and energy (count), in parallel on
  // `threads` OpenMP threads (0: OpenMP's default).
  void SimulateEvents(uint64_t seed, int64_t first, int64_t count, double e_min, double e_max,
                      int threads, float* ecal, float* energy) const;

 private:
  explicit ShowerSimulator(const GflashConfig& config);

  GflashConfig config_;
  SamplingStack stack_;
};

}  // namespace cascade::data
