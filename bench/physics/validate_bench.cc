// Wall time of cascade::physics::Validate on synthetic showers held in memory (no file I/O):
// the full report (all observables), the scalars-only mode the trainer uses every epoch, and
// writing the report directory with plots. Results go to docs/physics-validation.md.
#include <fmt/format.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "common/physics/report_writer.h"
#include "common/physics/validate.h"
#include "common/physics/validation_metrics.h"

namespace {

using cascade::physics::kCellsPerShower;
using cascade::physics::kGrid;

struct Sample {
  int64_t n = 0;
  std::vector<float> ecal, energy;
  cascade::physics::ShowerView View() const { return {n, ecal, energy}; }
};

// Separable toy showers (depth profile x transverse core), realistic enough in sparsity and
// range for timing: ~30% non-zero cells after the 1e-6 GeV cut. Event e draws from its own
// seeded generator so generation can run in parallel.
Sample MakeSample(int64_t n, uint64_t seed) {
  Sample s;
  s.n = n;
  s.ecal.resize(n * kCellsPerShower);
  s.energy.resize(n);
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < n; ++e) {
    std::mt19937_64 rng(seed * 1000003ULL + static_cast<uint64_t>(e));
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double ep = 2.0 + 498.0 * u(rng);
    s.energy[e] = static_cast<float>(ep);
    const double total =
        ep * cascade::physics::EcalFitSamplingFraction(ep) * (1.0 + 0.05 * (u(rng) - 0.5));
    const double peak = 4.0 + 1.8 * std::log(ep);
    double lz[kGrid], lxy[kGrid][kGrid], sz = 0, sxy = 0;
    for (int z = 0; z < kGrid; ++z)
      sz += lz[z] = std::pow((z + 0.5) / peak, 3) * std::exp(-3.0 * (z + 0.5) / peak);
    const double cx = 11.5 + u(rng), cy = 11.5 + u(rng);
    for (int x = 0; x < kGrid; ++x)
      for (int y = 0; y < kGrid; ++y)
        sxy += lxy[x][y] = std::exp(-1.3 * std::hypot(x - cx, y - cy));
    float* out = &s.ecal[e * kCellsPerShower];
    for (int x = 0; x < kGrid; ++x)
      for (int y = 0; y < kGrid; ++y)
        for (int z = 0; z < kGrid; ++z) {
          const double v = total * lz[z] / sz * lxy[x][y] / sxy * (0.5 + u(rng));
          out[(x * kGrid + y) * kGrid + z] = v < 1e-6 ? 0.0f : static_cast<float>(v);
        }
  }
  return s;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Physics validation wall time on synthetic showers"};
  int64_t events = 10000;
  int repeats = 3;
  std::string report_dir;
  int64_t spectrum_events = 1000;
  app.add_option("--events", events, "Showers per sample")->capture_default_str();
  app.add_option("--repeats", repeats, "Timed repetitions (the best is reported)")
      ->capture_default_str();
  app.add_option("--spectrum-events", spectrum_events, "Events per bin in the cell spectrum")
      ->capture_default_str();
  app.add_option("--report", report_dir,
                 "Also time writing the report (with plots) into this directory");
  CLI11_PARSE(app, argc, argv);

  auto t0 = std::chrono::steady_clock::now();
  const Sample reference = MakeSample(events, 1), candidate = MakeSample(events, 2);
  fmt::print("generated 2 x {} showers ({:.2f} GB) in {:.1f} s; OpenMP threads: {}\n", events,
             2.0 * events * kCellsPerShower * 4 / 1e9, Seconds(t0), omp_get_max_threads());

  cascade::physics::ValidationOptions full, scalars;
  scalars.keep_observables = false;
  full.spectrum_events = spectrum_events;
  double best_full = 1e30, best_scalars = 1e30;
  cascade::physics::ValidationReport report;
  for (int r = 0; r < repeats; ++r) {
    t0 = std::chrono::steady_clock::now();
    auto rep = cascade::physics::Validate(reference.View(), candidate.View(), full);
    best_full = std::min(best_full, Seconds(t0));
    if (!rep.ok()) {
      fmt::print(stderr, "validate: {}\n", rep.status().ToString());
      return 1;
    }
    report = *std::move(rep);
    t0 = std::chrono::steady_clock::now();
    auto s = cascade::physics::Validate(reference.View(), candidate.View(), scalars);
    best_scalars = std::min(best_scalars, Seconds(t0));
  }
  const double gb = 2.0 * events * kCellsPerShower * 4 / 1e9;
  fmt::print("validate full report:   {:.3f} s  ({:.0f} showers/s, {:.2f} GB/s)\n", best_full,
             2.0 * events / best_full, gb / best_full);
  fmt::print("validate scalars only:  {:.3f} s  ({:.0f} showers/s)\n", best_scalars,
             2.0 * events / best_scalars);
  fmt::print("sf_mre {:.5f} +- {:.5f}, gan_metric {:.4f}, max separation {:.4f} ({})\n",
             report.sf_mre, report.sf_mre_error, report.gan_metric.total,
             report.max_separation_power, report.max_separation_observable);
  if (!report_dir.empty()) {
    t0 = std::chrono::steady_clock::now();
    const absl::Status s = cascade::physics::WriteValidationReport(report, report_dir);
    fmt::print("write report with plots: {:.2f} s ({})\n", Seconds(t0),
               s.ok() ? "ok" : s.ToString());
  }
  return 0;
}
