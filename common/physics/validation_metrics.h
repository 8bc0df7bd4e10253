// The scalar metrics of physics.md §2.2: the 3DGAN optimisation metric terms and the SelectEpoch
// sampling-fraction MRE. Pure functions of per-bin summaries, so they are testable on their own.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "common/physics/validation_report.h"

namespace cascade::physics {

// 3DGAN moment error of one bin, pos_b = (1/m) Σ_k (|δx_k| + |δy_k| + |δz_k|)/3 over m = 2
// moments, δ = (ref − cand)/ref of the bin means. Terms whose reference mean is 0 (e.g. the
// variance of single-cell showers) are undefined and skipped; the mean is over the rest.
double MomentError(const std::array<double, 3>& m1_reference,
                   const std::array<double, 3>& m1_candidate,
                   const std::array<double, 3>& m2_reference,
                   const std::array<double, 3>& m2_candidate);

// 3DGAN profile error of one bin, prof_b = (1/3) Σ_axes (1/n) Σ_i |P_ref[i] − P_cand[i]| / P_ref[i]
// over the mean x, y, z profiles (3 x 25, GeV). Cells with an empty reference mean divide by 0
// in the original; here they are skipped and n counts the remaining cells.
double ProfileError(std::span<const double> reference_profiles,
                    std::span<const double> candidate_profiles);

// Bins entering the summary metrics: exclusive bins with events in both samples.
bool CountsForMetrics(const EnergyBinReport& bin);

// Averages pos_b and prof_b over the metric bins (see GanMetric for the double-count flag).
GanMetric CombineGanMetric(const std::vector<EnergyBinReport>& bins);

// SelectEpoch.mre: MRE = mean_b |<SF>_ref − <SF>_cand| / <SF>_ref and
// error = sqrt(mean_b [(σ_cand/<SF>_ref)² + (σ_ref/<SF>_cand)²] / N_b), N_b = reference events
// in bin b. The stored SelectEpoch omits the 1/<SF>_ref on the first term (an absolute σ² beside
// a relative one); this uses the dimensionally consistent form of physics.md §2.2.
struct SamplingFractionMre {
  double mre = 0.0;
  double error = 0.0;
};
SamplingFractionMre ComputeSamplingFractionMre(const std::vector<EnergyBinReport>& bins);

// The GetEcalFit curve (physics.md §2.1): expected Ecal/Ep at primary energy `ep_gev`.
double EcalFitSamplingFraction(double ep_gev);

}  // namespace cascade::physics
