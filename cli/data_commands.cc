// `cascade simulate`: synthetic EleEscan files from the GFlash parametrisation (docs/data.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/command.h"
#include "common/data/shower_file.h"
#include "common/data/shower_file_writer.h"
#include "common/data/shower_simulator.h"

namespace cascade::cli {
namespace {

constexpr int64_t kBlockEvents = 256;  // events simulated between progress updates and writes

struct SimulateFlags {
  int64_t events = 0;
  std::string energy = "2:500";
  int files = 1;
  uint64_t seed = 1;
  std::string out;
  int threads = 0;
  int gzip = 1;
  int progress = -1;  // -1: only when stderr is a terminal
  data::GflashConfig gflash;
};

// "lo:hi" (uniform) or "e" (fixed), GeV, within (0, 10 TeV].
bool ParseEnergyRange(const std::string& text, double& lo, double& hi) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts.size() == 1) parts.push_back(parts[0]);
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lo) || !absl::SimpleAtod(parts[1], &hi)) {
    return false;
  }
  return lo > 0 && lo <= hi && hi <= data::kMaxPrimaryEnergyGeV;
}

// One line on stderr, redrawn in place: "[#####.....]  52%  5200/10000 showers  830/s".
void DrawProgress(int64_t done, int64_t total, double seconds) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<int64_t>(total, 1));
  fmt::print(stderr, "\r[{}{}] {:3d}%  {}/{} showers  {:.0f}/s", std::string(filled, '#'),
             std::string(kWidth - filled, '.'), static_cast<int>(100 * done / total), done, total,
             done / std::max(seconds, 1e-9));
  if (done == total) fmt::print(stderr, "\n");
  std::fflush(stderr);
}

int RunSimulate(const SimulateFlags& flags) {
  double e_min = 0, e_max = 0;
  if (!ParseEnergyRange(flags.energy, e_min, e_max)) {
    fmt::print(stderr,
               "cascade simulate: --energy '{}' must be LO:HI or E in GeV, 0 < LO <= HI <= {}\n",
               flags.energy, data::kMaxPrimaryEnergyGeV);
    return kUsage;
  }
  if (flags.files > flags.events) {
    fmt::print(stderr, "cascade simulate: --files {} exceeds --events {}\n", flags.files,
               flags.events);
    return kUsage;
  }
  auto sim = data::ShowerSimulator::Create(flags.gflash);
  if (!sim.ok()) {
    fmt::print(stderr, "cascade simulate: {}\n", std::string(sim.status().message()));
    return kUsage;
  }
  std::error_code ec;
  std::filesystem::create_directories(flags.out, ec);
  if (ec) {
    fmt::print(stderr, "cascade simulate: cannot create {}: {}\n", flags.out, ec.message());
    return kFailure;
  }
  const bool progress = flags.progress < 0 ? isatty(STDERR_FILENO) != 0 : flags.progress > 0;
  const int width = static_cast<int>(std::to_string(flags.files - 1).size());
  std::vector<float> ecal(kBlockEvents * data::kShowerSize), energy(kBlockEvents);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int64_t done = 0;
  for (int k = 0; k < flags.files; ++k) {
    // Events are numbered across files, so event i is the same shower however files are split.
    const int64_t n = flags.events / flags.files + (k < flags.events % flags.files ? 1 : 0);
    const std::string path =
        (std::filesystem::path(flags.out) / fmt::format("EleEscan_{:0{}d}.h5", k, width)).string();
    auto writer = data::ShowerFileWriter::Create(path, n, {.gzip_level = flags.gzip});
    if (!writer.ok()) {
      fmt::print(stderr, "cascade simulate: {}\n", std::string(writer.status().message()));
      return kFailure;
    }
    for (int64_t begin = 0; begin < n; begin += kBlockEvents) {
      const int64_t count = std::min(kBlockEvents, n - begin);
      sim->SimulateEvents(flags.seed, done, count, e_min, e_max, flags.threads, ecal.data(),
                          energy.data());
      if (absl::Status st = (*writer)->Append(ecal.data(), energy.data(), count); !st.ok()) {
        fmt::print(stderr, "cascade simulate: {}\n", std::string(st.message()));
        return kFailure;
      }
      done += count;
      if (progress) DrawProgress(done, flags.events, elapsed());
    }
    if (absl::Status st = (*writer)->Finish(); !st.ok()) {
      fmt::print(stderr, "cascade simulate: {}\n", std::string(st.message()));
      return kFailure;
    }
  }
  const double seconds = elapsed();
  fmt::print("simulated {} showers in {} file(s) under {} in {:.2f} s: {:.0f} showers/s\n",
             flags.events, flags.files, flags.out, seconds, flags.events / std::max(seconds, 1e-9));
  return kOk;
}

}  // namespace

void RegisterDataCommands(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<SimulateFlags>();
  auto* cmd = app.add_subcommand(
      "simulate", "Write synthetic EleEscan HDF5 files from the GFlash shower parametrisation");
  cmd->add_option("--events", flags->events, "number of showers")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--energy", flags->energy, "primary energy in GeV: LO:HI (uniform) or E")
      ->capture_default_str();
  cmd->add_option("--files", flags->files, "number of files EleEscan_<k>.h5")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "random seed (same seed, same showers)")
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "output directory")->required();
  cmd->add_option("--threads", flags->threads, "worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--gzip", flags->gzip, "gzip level of the ECAL dataset, 0-9")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_flag_function(
      "--progress,!--no-progress", [flags](int64_t n) { flags->progress = n > 0 ? 1 : 0; },
      "progress bar on stderr (default: only when stderr is a terminal)");
  auto& g = flags->gflash;
  cmd->add_option("--tungsten-mm", g.absorber_mm, "absorber (W) thickness per layer")
      ->capture_default_str();
  cmd->add_option("--silicon-mm", g.active_mm, "active (Si) thickness per layer")
      ->capture_default_str();
  cmd->add_option("--sampling-fraction", g.sampling_fraction,
                  "visible fraction f_Si (0: derive from the stack)")
      ->capture_default_str();
  cmd->add_option("--sampling-resolution", g.sampling_resolution,
                  "stochastic term sigma_samp in GeV^1/2")
      ->capture_default_str();
  cmd->add_option("--profile-fluctuations", g.profile_fluctuation_scale,
                  "scale of GFlash's shower-depth fluctuations (1: GFlash)")
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.exit_code = RunSimulate(*flags); });
}

}  // namespace cascade::cli
