// Writes FILES small EleEscan files of EVENTS showers each into DIR (a synthetic exponential depth
// profile, seeded): the tiny datasets the data-parallel integration tests train on.
#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include "common/data/shower_file.h"

int main(int argc, char** argv) {
  CLI::App app{"make_showers"};
  std::string dir;
  int files = 3, events = 8;
  uint64_t seed = 11;
  app.add_option("dir", dir)->required();
  app.add_option("--files", files);
  app.add_option("--events", events);
  app.add_option("--seed", seed);
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (int f = 0; f < files; ++f) {
    cascade::data::ShowerSet s;
    s.n = events;
    s.ecal.assign(s.n * cascade::data::kShowerSize, 0.f);
    for (int64_t e = 0; e < s.n; ++e) {
      s.energy.push_back(50.f + 400.f * u(rng));
      for (int z = 0; z < 25; ++z) {
        for (int x = 9; x < 16; ++x) {
          for (int y = 9; y < 16; ++y) {
            s.ecal[e * cascade::data::kShowerSize + (x * 25 + y) * 25 + z] =
                0.01f * u(rng) * std::exp(-0.2f * std::abs(z - 10));
          }
        }
      }
    }
    const auto path = std::filesystem::path(dir) / ("showers" + std::to_string(f) + ".h5");
    if (auto st = cascade::data::WriteShowerFile(path.string(), s); !st.ok()) {
      std::cerr << st << "\n";
      return 1;
    }
  }
  return 0;
}
