#include "common/data/gflash_config.h"

#include "absl/strings/str_cat.h"

namespace cascade::data {

absl::Status ValidateGflashConfig(const GflashConfig& c) {
  auto positive = [](double v, const char* name) -> absl::Status {
    if (v > 0) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("gflash config: ", name, " = ", v, " must be > 0"));
  };
  for (const auto& [v, name] : {std::pair{c.absorber_mm, "absorber_mm"},
                                {c.active_mm, "active_mm"},
                                {c.cell_mm, "cell_mm"},
                                {c.e_over_mip, "e_over_mip"},
                                {c.sampling_resolution, "sampling_resolution"},
                                {c.absorber.x0, "absorber.x0"},
                                {c.active.x0, "active.x0"},
                                {c.absorber.density, "absorber.density"},
                                {c.active.density, "active.density"}}) {
    if (auto s = positive(v, name); !s.ok()) return s;
  }
  if (c.sampling_fraction < 0 || c.sampling_fraction > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "gflash config: sampling_fraction = ", c.sampling_fraction, " must be in [0, 1]"));
  }
  if (c.moliere_radius_mm < 0 || c.impact_spread_cells < 0) {
    return absl::InvalidArgumentError(
        "gflash config: moliere_radius_mm and impact_spread_cells "
        "must be >= 0");
  }
  return absl::OkStatus();
}

SamplingStack DeriveSamplingStack(const GflashConfig& c) {
  constexpr double kScaleEnergyMev = 21.2;                  // E_s in R_M = X0 E_s / E_c (GFlash)
  const double mass1 = c.absorber.density * c.absorber_mm;  // g/cm^2 x 10, per layer
  const double mass2 = c.active.density * c.active_mm;
  const double w1 = mass1 / (mass1 + mass2), w2 = 1 - w1;                // mass fractions
  const double x0_mass = 1.0 / (w1 / c.absorber.x0 + w2 / c.active.x0);  // g/cm^2
  const double pitch_mm = c.absorber_mm + c.active_mm;
  const double mean_density = (mass1 + mass2) / pitch_mm;
  SamplingStack s;
  s.x0_mm = 10.0 * x0_mass / mean_density;
  s.ec_mev = x0_mass * (w1 * c.absorber.critical_energy_mev / c.absorber.x0 +
                        w2 * c.active.critical_energy_mev / c.active.x0);
  s.rm_mm = c.moliere_radius_mm > 0 ? c.moliere_radius_mm : s.x0_mm * kScaleEnergyMev / s.ec_mev;
  s.z_eff = w1 * c.absorber.z + w2 * c.active.z;
  s.fs = s.x0_mm / pitch_mm;
  s.ehat = 1.0 / (1.0 + 0.007 * (c.absorber.z - c.active.z));
  s.layer_x0 = pitch_mm / s.x0_mm;
  const double mip_active = c.active.mip_dedx * mass2, mip_absorber = c.absorber.mip_dedx * mass1;
  s.sampling_fraction = c.sampling_fraction > 0
                            ? c.sampling_fraction
                            : c.e_over_mip * mip_active / (mip_active + mip_absorber);
  return s;
}

}  // namespace cascade::data
