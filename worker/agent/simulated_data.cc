#include "worker/agent/simulated_data.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/data/shower_file.h"
#include "common/data/shower_file_writer.h"
#include "common/data/shower_simulator.h"

namespace cascade::worker {
namespace {

namespace fs = std::filesystem;

// Bump when the simulator's output for the same block changes, so caches are not reused.
constexpr int kFormatVersion = 1;
constexpr int64_t kBlockEvents = 256;

v1::SimulatedData WithDefaults(v1::SimulatedData b) {
  if (b.events() == 0) b.set_events(10000);
  if (b.files() == 0) b.set_files(5);
  if (b.energy_min_gev() == 0 && b.energy_max_gev() == 0) {
    b.set_energy_min_gev(2);
    b.set_energy_max_gev(500);
  }
  return b;
}

// FNV-1a: stable across hosts and builds (std::hash and absl::Hash are not).
uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

absl::Status Generate(const v1::SimulatedData& b, const fs::path& dir, int threads) {
  auto sim = data::ShowerSimulator::Create(data::GflashConfig{});
  if (!sim.ok()) return sim.status();
  const int width = static_cast<int>(std::to_string(b.files() - 1).size());
  std::vector<float> ecal(kBlockEvents * data::kShowerSize), energy(kBlockEvents);
  int64_t done = 0;
  for (int k = 0; k < b.files(); ++k) {
    // Event numbering runs across files, as in `cascade simulate`: same showers for same block.
    const int64_t n = b.events() / b.files() + (k < b.events() % b.files() ? 1 : 0);
    const std::string path = (dir / fmt::format("EleEscan_{:0{}d}.h5", k, width)).string();
    auto writer = data::ShowerFileWriter::Create(path, n, {.gzip_level = 1});
    if (!writer.ok()) return writer.status();
    for (int64_t begin = 0; begin < n; begin += kBlockEvents) {
      const int64_t count = std::min(kBlockEvents, n - begin);
      sim->SimulateEvents(b.seed(), done, count, b.energy_min_gev(), b.energy_max_gev(), threads,
                          ecal.data(), energy.data());
      if (absl::Status st = (*writer)->Append(ecal.data(), energy.data(), count); !st.ok()) {
        return st;
      }
      done += count;
    }
    if (absl::Status st = (*writer)->Finish(); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace

std::string SimulatedDataDir(const v1::SimulatedData& block, const std::string& cache) {
  const v1::SimulatedData b = WithDefaults(block);
  const std::string key =
      fmt::format("v{};events={};files={};emin={:.17g};emax={:.17g};seed={}", kFormatVersion,
                  b.events(), b.files(), b.energy_min_gev(), b.energy_max_gev(), b.seed());
  return (fs::path(cache) / fmt::format("sim-{:016x}", Fnv1a(key))).string();
}

std::string DefaultDataCache() {
  const char* tmp = std::getenv("TMPDIR");
  return (fs::path(tmp && *tmp ? tmp : "/tmp") / "cascade-data").string();
}

absl::StatusOr<std::string> EnsureSimulatedData(const v1::SimulatedData& block,
                                                const std::string& cache, int threads) {
  const v1::SimulatedData b = WithDefaults(block);
  if (b.files() < 1 || b.events() < b.files()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "simulate: ", b.events(), " events in ", b.files(), " files (need events >= files >= 1)"));
  }
  if (!(b.energy_min_gev() > 0) || !(b.energy_min_gev() <= b.energy_max_gev()) ||
      b.energy_max_gev() > data::kMaxPrimaryEnergyGeV) {
    return absl::InvalidArgumentError(absl::StrCat("simulate: energy range [", b.energy_min_gev(),
                                                   ", ", b.energy_max_gev(), "] GeV"));
  }
  const fs::path dir = SimulatedDataDir(b, cache);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir.string();  // only ever appears complete (rename)
  fs::create_directories(cache, ec);
  if (ec) return absl::InternalError(absl::StrCat("data cache ", cache, ": ", ec.message()));
  // Unique per process and thread (two agents may share a test process).
  const fs::path tmp =
      fs::path(cache) / fmt::format(".{}.tmp-{}-{:x}", dir.filename().string(), ::getpid(),
                                    std::hash<std::thread::id>{}(std::this_thread::get_id()));
  fs::create_directories(tmp, ec);
  if (ec) return absl::InternalError(absl::StrCat("data cache ", tmp.string(), ": ", ec.message()));
  if (absl::Status st = Generate(b, tmp, threads); !st.ok()) {
    fs::remove_all(tmp, ec);
    return st;
  }
  fs::rename(tmp, dir, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    // Another worker renamed its identical copy first: use that one.
    if (fs::is_directory(dir, ignored)) return dir.string();
    return absl::InternalError(absl::StrCat("data cache: cannot rename ", tmp.string(), " to ",
                                            dir.string(), ": ", ec.message()));
  }
  return dir.string();
}

}  // namespace cascade::worker
