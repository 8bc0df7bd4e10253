// Configuration of the GFlash shower parametrisation (reference/physics.md §3) for a uniform Si-W
// sampling stack, and the effective stack constants derived from it.
#pragma once

#include "absl/status/status.h"

namespace cascade::data {

// PDG constants of one material (physics.md §3.1).
struct Material {
  double z = 0, a = 0;             // atomic number, mass (g/mol)
  double density = 0;              // g/cm^3
  double x0 = 0;                   // radiation length, g/cm^2
  double critical_energy_mev = 0;  // E_c for electrons
  double mip_dedx = 0;             // minimum-ionising dE/dx, MeV cm^2/g (PDG)
};

inline constexpr Material kTungsten{74, 183.84, 19.3, 6.76, 7.97, 1.145};
inline constexpr Material kSilicon{14, 28.09, 2.329, 21.82, 40.19, 1.664};

// Defaults: the CLIC-like stack of physics.md §3.2 — 25 x (2.1 mm W + 0.5 mm Si), 5.1 mm cells.
struct GflashConfig {
  Material absorber = kTungsten;
  Material active = kSilicon;
  double absorber_mm = 2.1;
  double active_mm = 0.5;
  double cell_mm = 5.1;  // transverse cell size (x and y)
  // Visible (silicon) fraction f_Si of the energy deposited in the stack. 0 derives it from the
  // stack as e_over_mip x (MIP energy loss in Si / in one layer), so a thicker absorber lowers it;
  // > 0 fixes it. physics.md §3.2 asks for 0.0231 from the mean profile; e/mip = 0.5788 gives
  // 0.0232 for the default stack, which puts the mean Ecal/Ep of fluctuating showers (mean
  // containment a little lower, ~1% lateral leakage) on GetEcalFit (measured, docs/data.md).
  double sampling_fraction = 0;
  double e_over_mip = 0.5788;
  double sampling_resolution = 0.16;  // sigma_samp in GeV^1/2: 16%/sqrt(E) (CALICE Si-W)
  double moliere_radius_mm = 0;       // 0 = derive R_M,eff from the stack (11.0 mm by default)
  double impact_spread_cells = 0.5;   // impact point U(+-this) around the centre of cell 12
  // Scales GFlash's event-to-event widths of ln T and ln alpha (§3.3). In this 15 X0 stack (depth
  // chosen so the mean leakage reproduces GetEcalFit) the full GFlash widths (1) move the leakage
  // so much that sigma/E is 6-7 % at every energy, far from a Si-W ECAL. 0.15 gives
  // 5.3 / 1.8 / 1.3 % at 10 / 100 / 500 GeV = 16.5 %/sqrt(E) (+) 1 % (CALICE-like), keeping the
  // mean curve within 0.7 % RMS of GetEcalFit (docs/data.md, bench/data/gflash_calibration).
  double profile_fluctuation_scale = 0.15;
  bool fluctuations = true;  // false: mean profile, no T/alpha fluctuations or smearing
};

// Effective constants of the stack (GFlash's GFlashSamplingShowerParameterisation formulas).
struct SamplingStack {
  double x0_mm;              // X0,eff (4.30 mm by default)
  double ec_mev;             // E_c,eff (8.25 MeV)
  double rm_mm;              // R_M,eff (11.0 mm, or the configured override)
  double z_eff;              // 72.3
  double fs;                 // F_s = X0,eff / layer pitch (1.65)
  double ehat;               // e-hat = 1 / (1 + 0.007 (Z_abs - Z_act)) (0.70)
  double layer_x0;           // layer pitch in X0,eff (0.605)
  double sampling_fraction;  // f_Si (0.0232)
};

absl::Status ValidateGflashConfig(const GflashConfig& config);
SamplingStack DeriveSamplingStack(const GflashConfig& config);

}  // namespace cascade::data
