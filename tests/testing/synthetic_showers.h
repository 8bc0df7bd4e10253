// Small EleEscan files of synthetic showers for trainer tests: a 5x5 core with an exponential
// depth profile and uniform energies in [50, 450) GeV, drawn from `seed`. Not physics; plumbing.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "common/data/shower_file.h"

namespace cascade::testing {

// Writes dir/f0.h5 .. f<files-1>.h5, `events` showers each.
inline absl::Status WriteSyntheticShowerFiles(const std::filesystem::path& dir, int files,
                                              int64_t events, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (int f = 0; f < files; ++f) {
    data::ShowerSet s;
    s.n = events;
    s.ecal.assign(s.n * data::kShowerSize, 0.f);
    for (int64_t e = 0; e < s.n; ++e) {
      s.energy.push_back(50.f + 400.f * u(rng));
      for (int z = 0; z < 25; ++z) {
        for (int x = 10; x < 15; ++x) {
          for (int y = 10; y < 15; ++y) {
            s.ecal[e * data::kShowerSize + (x * 25 + y) * 25 + z] =
                0.01f * u(rng) * std::exp(-0.2f * std::abs(z - 10));
          }
        }
      }
    }
    absl::Status st = data::WriteShowerFile((dir / ("f" + std::to_string(f) + ".h5")).string(), s);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace cascade::testing
