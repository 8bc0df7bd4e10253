#include "common/data/gflash_profile.h"

#include <algorithm>
#include <cmath>

namespace cascade::data {

double RegularizedGammaP(double a, double x) {
  if (x <= 0) return 0.0;
  constexpr int kMaxIter = 500;
  constexpr double kEps = 1e-14, kTiny = 1e-300;
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {  // series: P = e^-x x^a / Gamma(a+1) * sum x^n / ((a+1)...(a+n))
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < kMaxIter && std::abs(term) > std::abs(sum) * kEps; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return std::min(1.0, sum * std::exp(log_prefactor));
  }
  // Continued fraction for Q = 1 - P (modified Lentz).
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < kMaxIter; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < kEps) break;
  }
  return std::max(0.0, 1.0 - std::exp(log_prefactor) * h);
}

LongitudinalMeans ComputeLongitudinalMeans(double energy_gev, const SamplingStack& s) {
  const double ln_y = std::log(std::max(energy_gev * 1000.0 / s.ec_mev, 1.0 + 1e-9));
  LongitudinalMeans m;
  const double t_hom = std::max(ln_y - 0.812, 0.1);
  const double alpha_hom = std::max(0.81 + (0.458 + 2.26 / s.z_eff) * ln_y, 0.1);
  m.ln_t_hom = std::log(t_hom);
  m.ln_alpha_hom = std::log(alpha_hom);
  // Sampling corrections; the floors keep the logs finite for the lowest energies.
  m.ln_t = std::log(std::max(t_hom - 0.55 / s.fs - 0.69 * (1 - s.ehat), 0.1));
  m.ln_alpha = std::log(std::max(alpha_hom - 0.476 / s.fs, 1.1));
  auto capped = [](double denominator) { return denominator > 2.0 ? 1.0 / denominator : 0.5; };
  m.sigma_ln_t = capped(-2.5 + 1.25 * ln_y);
  m.sigma_ln_alpha = capped(-0.82 + 0.79 * ln_y);
  m.rho = std::clamp(0.784 - 0.023 * ln_y, -1.0, 1.0);
  return m;
}

ShowerShape DrawShowerShape(const LongitudinalMeans& m, double z1, double z2,
                            const SamplingStack& s) {
  const double a = std::sqrt((1 + m.rho) / 2), b = std::sqrt((1 - m.rho) / 2);
  const double d_ln_t = m.sigma_ln_t * (a * z1 + b * z2);
  const double d_ln_alpha = m.sigma_ln_alpha * (a * z1 - b * z2);
  ShowerShape shape;
  shape.t_max = std::max(1.0, std::exp(m.ln_t + d_ln_t));
  shape.alpha = std::max(1.1, std::exp(m.ln_alpha + d_ln_alpha));
  shape.beta = (shape.alpha - 1) / shape.t_max;
  // Spots follow the homogeneous profile scaled by Z (physics.md §3.5, the tuning-constant form).
  const double t_hom = std::max(1.0, std::exp(m.ln_t_hom + d_ln_t));
  const double alpha_hom = std::max(1.1, std::exp(m.ln_alpha_hom + d_ln_alpha));
  shape.spot_alpha = std::max(1.1, alpha_hom * (0.844 + 0.0026 * s.z_eff));
  shape.spot_beta = (shape.spot_alpha - 1) / (t_hom * (0.813 + 0.0019 * s.z_eff));
  // tau = t / T * ((alpha - 1) / alpha) * (mean_alpha / (mean_alpha - 1)): depth relative to <t>.
  const double mean_alpha = std::exp(m.ln_alpha);
  shape.tau_per_x0 =
      ((shape.alpha - 1) / shape.alpha) * (mean_alpha / (mean_alpha - 1)) / shape.t_max;
  return shape;
}

RadialProfile ComputeRadialProfile(double tau, double energy_gev, const SamplingStack& s) {
  const double ln_e = std::log(energy_gev);
  const double z = s.z_eff;
  const double one_minus_ehat = 1 - s.ehat;
  const double r_core = 0.0251 + 0.00319 * ln_e + (0.1162 - 0.000381 * z) * tau -
                        0.0203 * one_minus_ehat + 0.0397 * std::exp(-tau) / s.fs;
  const double k1 = 0.659 - 0.00309 * z, k2 = 0.645, k3 = -2.59, k4 = 0.3585 + 0.0412 * ln_e;
  const double r_tail = k1 * (std::exp(k3 * (tau - k2)) + std::exp(k4 * (tau - k2))) -
                        0.14 * one_minus_ehat - 0.495 * std::exp(-tau) / s.fs;
  const double p1 = 2.632 - 0.00094 * z, p2 = 0.401 + 0.00187 * z, p3 = 1.313 - 0.0686 * ln_e;
  const double u = (p2 - tau) / p3;
  const double p = p1 * std::exp(u - std::exp(u)) +
                   one_minus_ehat * (0.348 - 0.642 * std::exp(-(tau - 1) * (tau - 1)) / s.fs);
  constexpr double kMinRadius = 1e-3;  // R_M units; guards the sampling formula at extreme tau
  RadialProfile r;
  r.r_core = std::max(r_core, kMinRadius);
  r.r_tail = std::max(r_tail, r.r_core);
  r.p_core = std::clamp(p, 0.0, 1.0);
  return r;
}

double SpotCount(double energy_gev, double sampling_resolution) {
  return 10.3 / sampling_resolution * std::pow(energy_gev, 0.959);
}

}  // namespace cascade::data
