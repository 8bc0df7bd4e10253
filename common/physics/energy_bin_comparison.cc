#include "common/physics/energy_bin_comparison.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/physics/histogram.h"
#include "common/physics/validation_metrics.h"

namespace cascade::physics {
namespace {

constexpr const char* kAxisNames[3] = {"x", "y", "z"};

struct Selection {
  std::vector<int64_t> events;    // in the bin
  std::vector<int64_t> nonempty;  // in the bin with Ecal > 0 (moments are defined)
};

Selection Select(const EnergyBin& bin, const ShowerFeatures& f) {
  Selection s;
  for (int64_t e = 0; e < f.n; ++e) {
    if (!bin.Contains(f.energy[e])) continue;
    s.events.push_back(e);
    if (f.ecal[e] > 0.0) s.nonempty.push_back(e);
  }
  return s;
}

struct MeanStd {
  double mean = 0.0;
  double std = 0.0;
};

template <typename Fn>
MeanStd MeanAndStd(const std::vector<int64_t>& events, Fn value) {
  MeanStd r;
  if (events.empty()) return r;
  double sum = 0.0, sum2 = 0.0;
  for (int64_t e : events) {
    const double v = value(e);
    sum += v;
    sum2 += v * v;
  }
  const double n = static_cast<double>(events.size());
  r.mean = sum / n;
  r.std = std::sqrt(std::max(0.0, sum2 / n - r.mean * r.mean));
  return r;
}

ObservableComparison FromHistograms(const Histogram& ref, const Histogram& cand) {
  ObservableComparison c;
  c.kind = "histogram";
  c.y_label = "fraction of events";
  c.bin_width = (ref.hi() - ref.lo()) / ref.bins();
  const std::vector<double> edges = ref.Edges();
  const double ref_total = std::max(ref.Total(), 1e-300);
  const double cand_total = std::max(cand.Total(), 1e-300);
  for (int i = 0; i < ref.bins(); ++i) {
    c.x.push_back(0.5 * (edges[i] + edges[i + 1]));
    c.reference.push_back(ref.counts()[i] / ref_total);
    c.reference_error.push_back(std::sqrt(ref.sumw2()[i]) / ref_total);
    c.candidate.push_back(cand.counts()[i] / cand_total);
    c.candidate_error.push_back(std::sqrt(cand.sumw2()[i]) / cand_total);
  }
  c.separation_power = SeparationPower(ref, cand);
  return c;
}

// A per-event quantity: range from the reference's values with a 5% margin on each side.
template <typename RefFn, typename CandFn>
ObservableComparison CompareDistribution(const Selection& ref, const Selection& cand,
                                         bool nonempty_only, int bins, RefFn ref_value,
                                         CandFn cand_value) {
  const std::vector<int64_t>& ref_events = nonempty_only ? ref.nonempty : ref.events;
  const std::vector<int64_t>& cand_events = nonempty_only ? cand.nonempty : cand.events;
  double lo = 0.0, hi = 1.0;
  if (!ref_events.empty()) {
    lo = hi = ref_value(ref_events[0]);
    for (int64_t e : ref_events) {
      lo = std::min(lo, ref_value(e));
      hi = std::max(hi, ref_value(e));
    }
    const double margin = hi > lo ? 0.05 * (hi - lo) : std::max(0.5, 0.05 * std::abs(lo));
    lo -= margin;
    hi += margin;
  }
  Histogram h_ref(bins, lo, hi), h_cand(bins, lo, hi);
  for (int64_t e : ref_events) h_ref.Fill(ref_value(e));
  for (int64_t e : cand_events) h_cand.Fill(cand_value(e));
  return FromHistograms(h_ref, h_cand);
}

// Integer cell positions: one bin per cell.
ObservableComparison CompareMaxCell(const Selection& ref, const ShowerFeatures& rf,
                                    const Selection& cand, const ShowerFeatures& cf, int axis) {
  Histogram h_ref(kGrid, -0.5, kGrid - 0.5), h_cand(kGrid, -0.5, kGrid - 0.5);
  for (int64_t e : ref.nonempty) h_ref.Fill(rf.max_cell[e * 3 + axis]);
  for (int64_t e : cand.nonempty) h_cand.Fill(cf.max_cell[e * 3 + axis]);
  return FromHistograms(h_ref, h_cand);
}

// Mean energy per slice along `axis` (GeV), error std/√n; separation power of the shape.
ObservableComparison CompareProfile(const Selection& ref, const ShowerFeatures& rf,
                                    const Selection& cand, const ShowerFeatures& cf, int axis,
                                    std::vector<double>* ref_mean, std::vector<double>* cand_mean) {
  ObservableComparison c;
  c.kind = "profile";
  c.bin_width = 1.0;
  c.y_label = "mean energy [GeV]";
  for (int i = 0; i < kGrid; ++i) {
    const MeanStd r =
        MeanAndStd(ref.events, [&](int64_t e) { return double{rf.Profile(e, axis)[i]}; });
    const MeanStd k =
        MeanAndStd(cand.events, [&](int64_t e) { return double{cf.Profile(e, axis)[i]}; });
    c.x.push_back(i);
    c.reference.push_back(r.mean);
    c.reference_error.push_back(ref.events.empty() ? 0.0
                                                   : r.std / std::sqrt(double(ref.events.size())));
    c.candidate.push_back(k.mean);
    c.candidate_error.push_back(
        cand.events.empty() ? 0.0 : k.std / std::sqrt(double(cand.events.size())));
  }
  ref_mean->insert(ref_mean->end(), c.reference.begin(), c.reference.end());
  cand_mean->insert(cand_mean->end(), c.candidate.begin(), c.candidate.end());
  c.separation_power = SeparationPower(c.reference, c.candidate);
  return c;
}

Histogram SpectrumOf(const Selection& s, const ShowerFeatures& f, int64_t max_events) {
  Histogram h(kSpectrumBins, kSpectrumLo, kSpectrumHi);
  int64_t used = 0;
  for (int64_t e : s.events) {
    if (used >= max_events) break;
    const int32_t row = f.spectrum_index[e];
    if (row < 0) continue;
    ++used;
    const double width = (kSpectrumHi - kSpectrumLo) / kSpectrumBins;
    for (int b = 0; b < kSpectrumBins; ++b) {
      const uint32_t count = f.spectra[size_t(row) * kSpectrumBins + b];
      if (count > 0) h.Fill(kSpectrumLo + (b + 0.5) * width, count);
    }
  }
  return h;
}

ObservableComparison CompareSparsity(const Selection& ref, const ShowerFeatures& rf,
                                     const Selection& cand, const ShowerFeatures& cf) {
  ObservableComparison c;
  c.kind = "curve";
  c.y_label = "fraction of cells above threshold (mean ± std)";
  for (int t = 0; t < kSparsityPoints; ++t) {
    const MeanStd r = MeanAndStd(
        ref.events, [&](int64_t e) { return double{rf.sparsity[e * kSparsityPoints + t]}; });
    const MeanStd k = MeanAndStd(
        cand.events, [&](int64_t e) { return double{cf.sparsity[e * kSparsityPoints + t]}; });
    c.x.push_back(kSparsityMinExp + t);
    c.reference.push_back(r.mean);
    c.reference_error.push_back(r.std);
    c.candidate.push_back(k.mean);
    c.candidate_error.push_back(k.std);
  }
  return c;
}

ObservableComparison Named(ObservableComparison c, std::string name, std::string title,
                           std::string x_label, bool log_y, bool log_x = false) {
  c.name = std::move(name);
  c.title = std::move(title);
  c.x_label = std::move(x_label);
  c.log_y = log_y;
  c.log_x = log_x;
  return c;
}

}  // namespace

EnergyBinReport CompareEnergyBin(const EnergyBin& bin, const ShowerFeatures& rf,
                                 const ShowerFeatures& cf, const BinComparisonOptions& options) {
  const Selection ref = Select(bin, rf);
  const Selection cand = Select(bin, cf);
  EnergyBinReport r;
  r.label = bin.label;
  r.lo = bin.inclusive ? 0.0 : bin.lo;
  r.hi = bin.inclusive ? 0.0 : bin.hi;
  r.inclusive = bin.inclusive;
  r.n_reference = static_cast<int64_t>(ref.events.size());
  r.n_candidate = static_cast<int64_t>(cand.events.size());

  auto sf_ref = [&](int64_t e) { return rf.ecal[e] / rf.energy[e]; };
  auto sf_cand = [&](int64_t e) { return cf.ecal[e] / cf.energy[e]; };
  const MeanStd s_ref = MeanAndStd(ref.events, sf_ref);
  const MeanStd s_cand = MeanAndStd(cand.events, sf_cand);
  r.sf_reference = s_ref.mean;
  r.sf_candidate = s_cand.mean;
  r.sf_std_reference = s_ref.std;
  r.sf_std_candidate = s_cand.std;
  r.sf_relative_error = s_ref.mean > 0.0 ? std::abs(s_ref.mean - s_cand.mean) / s_ref.mean : 0.0;
  for (int a = 0; a < 3; ++a) {
    r.m1_reference[a] = MeanAndStd(ref.nonempty, [&](int64_t e) { return rf.m1[e * 3 + a]; }).mean;
    r.m1_candidate[a] = MeanAndStd(cand.nonempty, [&](int64_t e) { return cf.m1[e * 3 + a]; }).mean;
    r.m2_reference[a] = MeanAndStd(ref.nonempty, [&](int64_t e) { return rf.m2[e * 3 + a]; }).mean;
    r.m2_candidate[a] = MeanAndStd(cand.nonempty, [&](int64_t e) { return cf.m2[e * 3 + a]; }).mean;
  }
  r.moment_error = MomentError(r.m1_reference, r.m1_candidate, r.m2_reference, r.m2_candidate);

  std::vector<double> ref_profiles, cand_profiles;  // (3, 25) mean GeV per slice
  std::vector<ObservableComparison> profiles;
  const char* profile_titles[3] = {"Transverse profile along x", "Transverse profile along y",
                                   "Longitudinal profile (depth z)"};
  for (int a = 0; a < 3; ++a) {
    profiles.push_back(Named(CompareProfile(ref, rf, cand, cf, a, &ref_profiles, &cand_profiles),
                             absl::StrCat(kAxisNames[a], "_profile"), profile_titles[a],
                             absl::StrCat(kAxisNames[a], " [cell]"), true));
  }
  r.profile_error = ProfileError(ref_profiles, cand_profiles);
  if (!options.keep_observables) return r;

  const int nb = options.histogram_bins;
  auto& obs = r.observables;
  for (ObservableComparison& p : profiles) obs.push_back(std::move(p));
  obs.push_back(Named(CompareDistribution(ref, cand, false, nb, sf_ref, sf_cand),
                      "sampling_fraction", "Sampling fraction per event", "Ecal/Ep", false));
  auto ecal_ref = [&](int64_t e) { return rf.ecal[e]; };
  auto ecal_cand = [&](int64_t e) { return cf.ecal[e]; };
  obs.push_back(Named(CompareDistribution(ref, cand, false, nb, ecal_ref, ecal_cand), "ecal_sum",
                      "Total deposited energy", "Ecal [GeV]", true));
  auto hits_ref = [&](int64_t e) { return double(rf.hits[e]); };
  auto hits_cand = [&](int64_t e) { return double(cf.hits[e]); };
  obs.push_back(Named(CompareDistribution(ref, cand, false, nb, hits_ref, hits_cand), "hits",
                      "Hit multiplicity (cells > 3e-4 GeV)", "hits", false));
  for (int k = 0; k < 2; ++k) {
    const std::vector<double>& rv = k == 0 ? rf.m1 : rf.m2;
    const std::vector<double>& cv = k == 0 ? cf.m1 : cf.m2;
    for (int a = 0; a < 3; ++a) {
      auto mr = [&](int64_t e) { return rv[e * 3 + a]; };
      auto mc = [&](int64_t e) { return cv[e * 3 + a]; };
      obs.push_back(Named(CompareDistribution(ref, cand, true, nb, mr, mc),
                          absl::StrCat("m", k + 1, "_", kAxisNames[a]),
                          absl::StrCat(k == 0 ? "First moment (barycentre) along "
                                              : "Second moment (variance) along ",
                                       kAxisNames[a]),
                          k == 0 ? absl::StrCat("m1 ", kAxisNames[a], " [cell]")
                                 : absl::StrCat("m2 ", kAxisNames[a], " [cell^2]"),
                          false));
    }
  }
  for (int a = 0; a < 3; ++a) {
    obs.push_back(Named(CompareMaxCell(ref, rf, cand, cf, a),
                        absl::StrCat("max_cell_", kAxisNames[a]),
                        absl::StrCat("Position of the maximum cell along ", kAxisNames[a]),
                        absl::StrCat(kAxisNames[a], " [cell]"), false));
  }
  const char* thirds[3] = {"first", "second", "third"};
  for (int t = 0; t < 3; ++t) {
    auto fr = [&](int64_t e) { return rf.thirds[e * 3 + t]; };
    auto fc = [&](int64_t e) { return cf.thirds[e * 3 + t]; };
    obs.push_back(Named(CompareDistribution(ref, cand, true, nb, fr, fc),
                        absl::StrCat("depth_fraction_", thirds[t]),
                        absl::StrCat("Energy fraction in the ", thirds[t], " third of the depth"),
                        absl::StrCat("E(", thirds[t], " third)/Ecal"), false));
  }
  obs.push_back(Named(FromHistograms(SpectrumOf(ref, rf, options.spectrum_events),
                                     SpectrumOf(cand, cf, options.spectrum_events)),
                      "cell_spectrum", "Cell-energy spectrum (first events of the bin)",
                      "log10(E_cell/GeV)", true));
  obs.back().y_label = "fraction of cells";
  obs.push_back(Named(CompareSparsity(ref, rf, cand, cf), "sparsity", "Sparsity",
                      "log10(threshold/GeV)", true));
  return r;
}

ObservableComparison CompareSamplingFractionVsEnergy(const ShowerFeatures& rf,
                                                     const ShowerFeatures& cf) {
  constexpr int kBins = 100;  // TProfile of the 3DGAN analysis: 100 bins over [2, 500] GeV
  constexpr double kLo = 2.0, kHi = 500.0;
  auto fill = [&](const ShowerFeatures& f, std::vector<double>* mean, std::vector<double>* error) {
    Histogram sum(kBins, kLo, kHi), sum2(kBins, kLo, kHi), count(kBins, kLo, kHi);
    for (int64_t e = 0; e < f.n; ++e) {
      const double sf = f.ecal[e] / f.energy[e];
      sum.Fill(f.energy[e], sf);
      sum2.Fill(f.energy[e], sf * sf);
      count.Fill(f.energy[e]);
    }
    for (int i = 0; i < kBins; ++i) {
      const double n = count.counts()[i];
      const double m = n > 0 ? sum.counts()[i] / n : 0.0;
      const double var = n > 0 ? std::max(0.0, sum2.counts()[i] / n - m * m) : 0.0;
      mean->push_back(m);
      error->push_back(n > 0 ? std::sqrt(var / n) : 0.0);
    }
  };
  ObservableComparison c;
  c.name = "sampling_fraction_vs_energy";
  c.title = "Sampling fraction Ecal/Ep vs Ep (dashed: 3DGAN GetEcalFit)";
  c.kind = "profile";
  c.x_label = "Ep [GeV]";
  c.y_label = "<Ecal/Ep>";
  c.bin_width = (kHi - kLo) / kBins;
  for (int i = 0; i < kBins; ++i) {
    c.x.push_back(kLo + (i + 0.5) * c.bin_width);
    c.expectation.push_back(EcalFitSamplingFraction(c.x.back()));
  }
  fill(rf, &c.reference, &c.reference_error);
  fill(cf, &c.candidate, &c.candidate_error);
  return c;
}

}  // namespace cascade::physics
