// The one result of a physics validation, shared by training (every epoch), scans (objective)
// and `cascade validate` (metrics.json + plots). Serialises to JSON with nlohmann-json.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cascade::physics {

// Reference vs candidate for one observable, ready to plot. `kind` says how to read y:
//   "histogram": unit-area distribution of a per-event quantity; x = bin centres;
//   "profile":   mean per bin (energy per layer, Ecal/Ep vs Ep); x = bin centres;
//   "curve":     mean ± std over events at points x (sparsity).
// Errors are statistical (√sumw2 / total for histograms, std/√n for means). No entry is NaN.
struct ObservableComparison {
  std::string name;   // file-safe id, e.g. "m2_z"
  std::string title;  // e.g. "Second moment (variance) along z"
  std::string kind;
  std::string x_label;
  std::string y_label;
  bool log_x = false;  // axes physicists use for this observable
  bool log_y = false;
  double bin_width = 0.0;  // 0 for curves
  std::vector<double> x;
  std::vector<double> reference;
  std::vector<double> reference_error;
  std::vector<double> candidate;
  std::vector<double> candidate_error;
  std::vector<double> expectation;  // optional third curve (GetEcalFit for Ecal/Ep vs Ep)
  // CaloChallenge separation power (histograms: with under/overflow; profiles: of the shape).
  // Absent for curves, where it has no meaning.
  std::optional<double> separation_power;
};

// All observables and metric terms of one energy bin (index 0 of ValidationReport::bins is the
// inclusive sample). Means are over events with Ecal > 0 of that bin.
struct EnergyBinReport {
  std::string label;
  double lo = 0.0;
  double hi = 0.0;
  bool inclusive = false;
  int64_t n_reference = 0;
  int64_t n_candidate = 0;
  // Sampling fraction SF = Ecal/Ep per event.
  double sf_reference = 0.0;
  double sf_candidate = 0.0;
  double sf_std_reference = 0.0;
  double sf_std_candidate = 0.0;
  double sf_relative_error = 0.0;                        // |<SF>_ref − <SF>_cand| / <SF>_ref
  std::array<double, 3> m1_reference{}, m1_candidate{};  // x, y, z, cells
  std::array<double, 3> m2_reference{}, m2_candidate{};  // x, y, z, cells²
  double moment_error = 0.0;                             // 3DGAN metric pos_b
  double profile_error = 0.0;                            // 3DGAN metric prof_b
  std::vector<ObservableComparison>
      observables;  // empty if ValidationOptions::keep_observables is false
};

// The 3DGAN per-epoch optimisation metric (GANutils.metric), averaged over the exclusive energy
// bins. `total` = moment_term + profile_term, each counted once. The stored original adds the
// moment term twice per bin (its loop body is duplicated), so
// total_original_double_count = 2·moment_term + profile_term, kept to compare with old logs.
struct GanMetric {
  double total = 0.0;
  double moment_term = 0.0;
  double profile_term = 0.0;
  double total_original_double_count = 0.0;
};

struct ValidationReport {
  int64_t n_reference = 0;
  int64_t n_candidate = 0;
  // SelectEpoch MRE of the mean sampling fraction over exclusive bins with events, and its error.
  double sf_mre = 0.0;
  double sf_mre_error = 0.0;
  GanMetric gan_metric;
  // The worst separation power over all histograms and bins, and where it was found.
  double max_separation_power = 0.0;
  std::string max_separation_observable;
  ObservableComparison sampling_fraction_vs_energy;  // 100 bins over [2, 500] GeV
  std::vector<EnergyBinReport> bins;
  double seconds = 0.0;  // wall time of Validate

  // Scalar objective for scans and best-epoch selection; lower is better. Names: "sf_mre"
  // (default), "gan_metric", "gan_metric_original", "max_separation_power".
  absl::StatusOr<double> Objective(std::string_view name = "sf_mre") const;
};

void to_json(nlohmann::json& j, const ObservableComparison& c);
void from_json(const nlohmann::json& j, ObservableComparison& c);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(GanMetric, total, moment_term, profile_term,
                                   total_original_double_count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EnergyBinReport, label, lo, hi, inclusive, n_reference,
                                   n_candidate, sf_reference, sf_candidate, sf_std_reference,
                                   sf_std_candidate, sf_relative_error, m1_reference, m1_candidate,
                                   m2_reference, m2_candidate, moment_error, profile_error,
                                   observables)
void to_json(nlohmann::json& j, const ValidationReport& r);
void from_json(const nlohmann::json& j, ValidationReport& r);

// Parses a metrics.json produced by to_json; errors name the missing or mistyped field.
absl::StatusOr<ValidationReport> ValidationReportFromJson(std::string_view text);

}  // namespace cascade::physics
