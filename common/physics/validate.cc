#include "common/physics/validate.h"

#include <chrono>
#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/physics/energy_bin_comparison.h"
#include "common/physics/shower_features.h"
#include "common/physics/validation_metrics.h"

namespace cascade::physics {
namespace {

absl::Status CheckView(const ShowerView& v, const char* role) {
  if (v.n <= 0) return absl::InvalidArgumentError(absl::StrCat(role, " sample is empty"));
  if (static_cast<int64_t>(v.ecal.size()) != v.n * kCellsPerShower) {
    return absl::InvalidArgumentError(
        absl::StrCat(role, " sample: ecal has ", v.ecal.size(),
                     " cells, expected n*25^3 = ", v.n * kCellsPerShower));
  }
  if (static_cast<int64_t>(v.energy.size()) != v.n) {
    return absl::InvalidArgumentError(absl::StrCat(role, " sample: energy has ", v.energy.size(),
                                                   " entries, expected n = ", v.n));
  }
  for (int64_t e = 0; e < v.n; ++e) {
    if (!std::isfinite(v.energy[e]) || v.energy[e] <= 0.0f) {
      return absl::InvalidArgumentError(absl::StrCat(
          role, " event ", e, ": primary energy ", v.energy[e], " GeV is not positive and finite"));
    }
  }
  return absl::OkStatus();
}

// Flags the first `per_bin` events of every bin, whose cell spectra the report histograms.
std::vector<uint8_t> SpectrumEvents(const ShowerView& v, const std::vector<EnergyBin>& bins,
                                    int64_t per_bin) {
  std::vector<uint8_t> want(v.n, 0);
  std::vector<int64_t> taken(bins.size(), 0);
  for (int64_t e = 0; e < v.n; ++e) {
    for (size_t b = 0; b < bins.size(); ++b) {
      if (taken[b] < per_bin && bins[b].Contains(v.energy[e])) {
        ++taken[b];
        want[e] = 1;
      }
    }
  }
  return want;
}

absl::Status CheckCells(const ShowerFeatures& f, const char* role) {
  for (int64_t e = 0; e < f.n; ++e) {
    // A NaN or Inf cell makes the event's sum non-finite: one check per event, not per cell.
    if (!std::isfinite(f.ecal[e])) {
      return absl::InvalidArgumentError(absl::StrCat(role, " event ", e, " has non-finite cells"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ValidationReport> Validate(const ShowerView& reference, const ShowerView& candidate,
                                          const ValidationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (auto s = CheckView(reference, "reference"); !s.ok()) return s;
  if (auto s = CheckView(candidate, "candidate"); !s.ok()) return s;
  if (options.histogram_bins < 1) return absl::InvalidArgumentError("histogram_bins must be >= 1");

  std::vector<uint8_t> no_spectra;
  const bool spectra = options.keep_observables && options.spectrum_events > 0;
  const std::vector<uint8_t> ref_want =
      spectra ? SpectrumEvents(reference, options.energy_bins, options.spectrum_events)
              : no_spectra;
  const std::vector<uint8_t> cand_want =
      spectra ? SpectrumEvents(candidate, options.energy_bins, options.spectrum_events)
              : no_spectra;
  const ShowerFeatures rf = ComputeShowerFeatures(reference, ref_want);
  const ShowerFeatures cf = ComputeShowerFeatures(candidate, cand_want);
  if (auto s = CheckCells(rf, "reference"); !s.ok()) return s;
  if (auto s = CheckCells(cf, "candidate"); !s.ok()) return s;

  ValidationReport report;
  report.n_reference = reference.n;
  report.n_candidate = candidate.n;
  const BinComparisonOptions bin_options{options.histogram_bins, options.spectrum_events,
                                         options.keep_observables};
  bool any_metric_bin = false;
  for (const EnergyBin& bin : options.energy_bins) {
    report.bins.push_back(CompareEnergyBin(bin, rf, cf, bin_options));
    any_metric_bin = any_metric_bin || CountsForMetrics(report.bins.back());
  }
  if (!any_metric_bin) {
    return absl::FailedPreconditionError(
        "no exclusive energy bin holds events of both samples; check the energies or the energy "
        "bins");
  }
  const SamplingFractionMre mre = ComputeSamplingFractionMre(report.bins);
  report.sf_mre = mre.mre;
  report.sf_mre_error = mre.error;
  report.gan_metric = CombineGanMetric(report.bins);
  if (options.keep_observables)
    report.sampling_fraction_vs_energy = CompareSamplingFractionVsEnergy(rf, cf);
  for (const EnergyBinReport& bin : report.bins) {
    for (const ObservableComparison& c : bin.observables) {
      if (c.separation_power && *c.separation_power > report.max_separation_power) {
        report.max_separation_power = *c.separation_power;
        report.max_separation_observable = absl::StrCat(bin.label, "/", c.name);
      }
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace cascade::physics
