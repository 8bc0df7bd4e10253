// `cascade validate`: physics validation of candidate showers against reference showers
// (docs/physics-validation.md). Reads EleEscan files, runs cascade::physics::Validate, writes
// metrics.json + PNG plots + index.html, and can gate scripts on the sampling-fraction MRE.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/command.h"
#include "common/data/shower_file.h"
#include "common/physics/report_writer.h"
#include "common/physics/validate.h"

namespace cascade::cli {
namespace {

struct ValidateFlags {
  std::vector<std::string> reference;
  std::vector<std::string> candidate;
  std::string report_dir;
  std::string energy_bins = "default";
  int64_t max_events = -1;
  int histogram_bins = 50;
  bool metrics_only = false;
  double fail_on_mre = -1.0;
  std::string gnuplot = "gnuplot";
};

// Concatenates the files of one sample; the first bad file stops the read with its name.
absl::StatusOr<data::ShowerSet> ReadSample(const std::vector<std::string>& paths,
                                           int64_t max_events) {
  data::ShowerSet all;
  for (const std::string& path : paths) {
    if (max_events >= 0 && all.n >= max_events) break;
    data::ReadOptions options;
    if (max_events >= 0) options.max_events = max_events - all.n;
    auto set = data::ReadShowerFile(path, options);
    if (!set.ok()) return set.status();
    all.n += set->n;
    all.ecal.insert(all.ecal.end(), set->ecal.begin(), set->ecal.end());
    all.energy.insert(all.energy.end(), set->energy.begin(), set->energy.end());
  }
  return all;
}

// "default", "3dgan", or comma-separated edges in GeV ("2,50,100,500").
absl::StatusOr<std::vector<physics::EnergyBin>> ParseBins(const std::string& spec) {
  if (spec == "default") return physics::DefaultEnergyBins();
  if (spec == "3dgan") return physics::ThreeDGanEnergyBins();
  std::vector<double> edges;
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    double v = 0;
    if (!absl::SimpleAtod(part, &v)) {
      return absl::InvalidArgumentError(
          fmt::format("--energy-bins: '{}' is not a number", std::string(part)));
    }
    if (!edges.empty() && v <= edges.back())
      return absl::InvalidArgumentError("--energy-bins: edges must increase");
    edges.push_back(v);
  }
  if (edges.size() < 2) return absl::InvalidArgumentError("--energy-bins: need at least two edges");
  return physics::EnergyBinsFromEdges(edges);
}

int RunValidate(const ValidateFlags& f) {
  auto bins = ParseBins(f.energy_bins);
  if (!bins.ok()) {
    fmt::print(stderr, "cascade validate: {}\n", std::string(bins.status().message()));
    return kUsage;
  }
  auto reference = ReadSample(f.reference, f.max_events);
  if (!reference.ok()) {
    fmt::print(stderr, "cascade validate: reference: {}\n", reference.status().ToString());
    return kBadInput;
  }
  auto candidate = ReadSample(f.candidate, f.max_events);
  if (!candidate.ok()) {
    fmt::print(stderr, "cascade validate: candidate: {}\n", candidate.status().ToString());
    return kBadInput;
  }
  physics::ValidationOptions options;
  options.energy_bins = *std::move(bins);
  options.histogram_bins = f.histogram_bins;
  const physics::ShowerView ref_view{reference->n, reference->ecal, reference->energy};
  const physics::ShowerView cand_view{candidate->n, candidate->ecal, candidate->energy};
  auto report = physics::Validate(ref_view, cand_view, options);
  if (!report.ok()) {
    fmt::print(stderr, "cascade validate: {}\n", report.status().ToString());
    return kBadInput;
  }
  fmt::print("reference {} events, candidate {} events, validated in {:.2f} s\n",
             report->n_reference, report->n_candidate, report->seconds);
  fmt::print("{:<14} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>8}\n", "bin", "n_ref", "n_cand",
             "<SF>ref", "<SF>cand", "SF err", "mom err", "prof err");
  for (const physics::EnergyBinReport& b : report->bins) {
    fmt::print("{:<14} {:>7} {:>7} {:>9.5f} {:>9.5f} {:>8.4f} {:>8.4f} {:>8.4f}\n", b.label,
               b.n_reference, b.n_candidate, b.sf_reference, b.sf_candidate, b.sf_relative_error,
               b.moment_error, b.profile_error);
  }
  fmt::print("sampling-fraction MRE {:.5f} +- {:.5f}\n", report->sf_mre, report->sf_mre_error);
  fmt::print(
      "3DGAN metric {:.5f} (moments {:.5f} + profiles {:.5f}; original double-counted {:.5f})\n",
      report->gan_metric.total, report->gan_metric.moment_term, report->gan_metric.profile_term,
      report->gan_metric.total_original_double_count);
  fmt::print("max separation power {:.5f} ({})\n", report->max_separation_power,
             report->max_separation_observable);

  physics::ReportWriterOptions writer;
  writer.plots = !f.metrics_only;
  writer.gnuplot = f.gnuplot;
  if (absl::Status s = physics::WriteValidationReport(*report, f.report_dir, writer); !s.ok()) {
    fmt::print(stderr, "cascade validate: report: {}\n", s.ToString());
    return kFailure;
  }
  fmt::print("report written to {}/index.html\n", f.report_dir);
  if (f.fail_on_mre >= 0.0 && report->sf_mre > f.fail_on_mre) {
    fmt::print(stderr, "cascade validate: sampling-fraction MRE {:.5f} exceeds --fail-on-mre {}\n",
               report->sf_mre, f.fail_on_mre);
    return kFailure;
  }
  return kOk;
}

}  // namespace

void RegisterPhysicsCommands(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ValidateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Compare candidate showers with reference showers: physics metrics, plots and index.html");
  cmd->add_option("--reference", flags->reference,
                  "Reference EleEscan HDF5 files (e.g. Geant4 or simulated)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--candidate", flags->candidate,
                  "Candidate EleEscan HDF5 files (e.g. generated showers)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--report", flags->report_dir,
                  "Output directory for metrics.json, plots/ and index.html")
      ->required();
  cmd->add_option("--energy-bins", flags->energy_bins,
                  "'default' (2,10,25,50,100,200,300,400,500 GeV), '3dgan' (50..500 +-5 GeV) or "
                  "edges '2,100,500'")
      ->capture_default_str();
  cmd->add_option("--max-events", flags->max_events,
                  "Read at most this many events per sample (-1: all)")
      ->capture_default_str();
  cmd->add_option("--histogram-bins", flags->histogram_bins, "Bins of per-event distributions")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_flag("--metrics-only", flags->metrics_only,
                "Write metrics.json and index.html without plots (no gnuplot)");
  cmd->add_option("--fail-on-mre", flags->fail_on_mre,
                  "Exit 1 if the sampling-fraction MRE exceeds this value")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--gnuplot", flags->gnuplot, "gnuplot executable")->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.exit_code = RunValidate(*flags); });
}

}  // namespace cascade::cli
