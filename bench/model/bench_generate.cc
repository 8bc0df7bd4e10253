// bench_generate: ms per shower of inference-mode generation at a given batch.
#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/gan/shower_sampler.h"

int main(int argc, char** argv) {
  CLI::App app{"bench_generate: 3DGAN shower generation speed"};
  int64_t batch = 128;
  double seconds = 10;
  int threads = 0;
  bool json = false, profile = false;
  std::string filters = "original", bn_axis = "last";
  app.add_option("--batch", batch)->capture_default_str();
  app.add_option("--seconds", seconds)->capture_default_str();
  app.add_option("--threads", threads);
  app.add_option("--filters", filters)->check(CLI::IsMember({"original", "16"}));
  app.add_option("--bn-axis", bn_axis)->check(CLI::IsMember({"channel", "last"}));
  app.add_flag("--json", json);
  app.add_flag("--profile", profile);
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) omp_set_num_threads(threads);

  cascade::gan::ModelConfig config;
  config.filters = *cascade::gan::ParseFilters(filters);
  config.bn_axis = *cascade::gan::ParseBnAxis(bn_axis);
  cascade::nn::Device device;
  cascade::gan::ShowerSampler sampler(config, batch);
  if (auto s = sampler.Init(device); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  sampler.arena().Initialize(3);
  std::mt19937_64 rng(5);
  const std::vector<float> energy(batch, 200.f);
  (void)sampler.Sample(energy, rng);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  int64_t showers = 0;
  double elapsed = 0;
  while (elapsed < seconds || showers < 3 * batch) {
    (void)sampler.Sample(energy, rng);
    showers += batch;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const double ms = 1000 * elapsed / showers;
  const double gflops = 0.511 * showers / elapsed;  // G forward: 255.7 M MAC per shower
  if (json) {
    std::cout << nlohmann::json{{"impl", "cascade"},
                                {"what", "generate"},
                                {"batch", batch},
                                {"threads", omp_get_max_threads()},
                                {"ms_per_shower", ms},
                                {"gflops", gflops},
                                {"peak_rss_mib", u.ru_maxrss / 1024.0}}
                     .dump()
              << std::endl;
  } else {
    fmt::print("generate batch {}: {:.3f} ms/shower, {:.1f} GFLOP/s\n", batch, ms, gflops);
  }
  return 0;
}
