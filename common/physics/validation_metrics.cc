#include "common/physics/validation_metrics.h"

#include <cmath>

namespace cascade::physics {

double MomentError(const std::array<double, 3>& m1_reference,
                   const std::array<double, 3>& m1_candidate,
                   const std::array<double, 3>& m2_reference,
                   const std::array<double, 3>& m2_candidate) {
  double sum = 0.0;
  int terms = 0;
  auto add = [&](double ref, double cand) {
    if (ref == 0.0) return;
    sum += std::abs((ref - cand) / ref);
    ++terms;
  };
  for (int a = 0; a < 3; ++a) {
    add(m1_reference[a], m1_candidate[a]);
    add(m2_reference[a], m2_candidate[a]);
  }
  // (1/m) Σ_k (Σ_a |δ|)/3 is the mean over the 2 x 3 terms.
  return terms > 0 ? sum / terms : 0.0;
}

double ProfileError(std::span<const double> reference_profiles,
                    std::span<const double> candidate_profiles) {
  const size_t cells = reference_profiles.size() / 3;
  double total = 0.0;
  for (size_t a = 0; a < 3; ++a) {
    double sum = 0.0;
    int valid = 0;
    for (size_t i = 0; i < cells; ++i) {
      const double ref = reference_profiles[a * cells + i];
      if (ref == 0.0) continue;
      sum += std::abs((ref - candidate_profiles[a * cells + i]) / ref);
      ++valid;
    }
    if (valid > 0) total += sum / valid;
  }
  return total / 3.0;
}

bool CountsForMetrics(const EnergyBinReport& bin) {
  return !bin.inclusive && bin.n_reference > 0 && bin.n_candidate > 0;
}

GanMetric CombineGanMetric(const std::vector<EnergyBinReport>& bins) {
  GanMetric m;
  int used = 0;
  for (const EnergyBinReport& b : bins) {
    if (!CountsForMetrics(b)) continue;
    m.moment_term += b.moment_error;
    m.profile_term += b.profile_error;
    ++used;
  }
  if (used == 0) return m;
  m.moment_term /= used;
  m.profile_term /= used;
  m.total = m.moment_term + m.profile_term;
  m.total_original_double_count = 2.0 * m.moment_term + m.profile_term;
  return m;
}

SamplingFractionMre ComputeSamplingFractionMre(const std::vector<EnergyBinReport>& bins) {
  SamplingFractionMre r;
  double variance = 0.0;
  int used = 0;
  for (const EnergyBinReport& b : bins) {
    if (!CountsForMetrics(b) || b.sf_reference <= 0.0) continue;
    r.mre += b.sf_relative_error;
    double term = std::pow(b.sf_std_candidate / b.sf_reference, 2);
    if (b.sf_candidate > 0.0) term += std::pow(b.sf_std_reference / b.sf_candidate, 2);
    variance += term / static_cast<double>(b.n_reference);
    ++used;
  }
  if (used == 0) return r;
  r.mre /= used;
  r.error = std::sqrt(variance / used);
  return r;
}

double EcalFitSamplingFraction(double ep_gev) {
  const double e = ep_gev / 100.0;
  const double p =
      0.0018 * std::pow(e, 4) - 0.023 * std::pow(e, 3) + 0.11 * e * e - 0.28 * e + 2.21;
  return p / 100.0;
}

}  // namespace cascade::physics
