// bench_train: samples/s of the full 3DGAN training step (G predict + 2 D steps + 2 G steps) on
// random "real" showers, one process, the threads OpenMP is given. Prints a JSON line with
// --json (bench/run_model_bench.sh compares it with bench/peer_torch.py), and a per-layer time
// breakdown with --profile.
#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/gan/gan_trainer.h"

namespace {

double PeakRssMib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

// Analytic FLOPs of one training iteration per real sample (architecture.md): 1 G forward,
// 2 D forward+backward, 2 (G+D) forward+backward ≈ 19.0 GFLOP (original filters), 50 (16).
double GflopPerSample(cascade::gan::Filters f) {
  return f == cascade::gan::Filters::kOriginal ? 19.0 : 50.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_train: 3DGAN training-step throughput"};
  int64_t batch = 8;
  double seconds = 10;
  int threads = 0;
  bool json = false, profile = false;
  std::string filters = "original", bn_axis = "last";
  app.add_option("--batch", batch)->capture_default_str();
  app.add_option("--seconds", seconds, "timed duration after 2 warm-up steps")
      ->capture_default_str();
  app.add_option("--threads", threads, "OpenMP threads (0 = default)");
  app.add_option("--filters", filters)->check(CLI::IsMember({"original", "16"}));
  app.add_option("--bn-axis", bn_axis)->check(CLI::IsMember({"channel", "last"}));
  app.add_flag("--json", json);
  app.add_flag("--profile", profile, "per-layer time breakdown");
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) omp_set_num_threads(threads);

  cascade::gan::ModelConfig config;
  config.filters = *cascade::gan::ParseFilters(filters);
  config.bn_axis = *cascade::gan::ParseBnAxis(bn_axis);
  cascade::nn::Device device;
  cascade::gan::GanTrainer trainer(config, {.batch = batch, .seed = 7});
  if (auto s = trainer.Init(device); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  // Exponential-ish random showers with realistic sums (× xscale 100).
  std::mt19937_64 rng(1);
  std::exponential_distribution<float> cell(50.f);
  std::vector<float> images(batch * 15625), e(batch), sums(batch, 0.f);
  for (int64_t n = 0; n < batch; ++n) {
    e[n] = 1.f + n % 4;
    for (int64_t i = 0; i < 15625; ++i) {
      images[n * 15625 + i] = cell(rng);
      sums[n] += images[n * 15625 + i];
    }
  }
  cascade::gan::RealBatch real{batch, images, e, sums};
  for (int i = 0; i < 2; ++i) (void)trainer.Step(real);

  cascade::nn::LayerProfiler profiler;
  if (profile) {
    trainer.generator().set_profiler(&profiler);
    trainer.discriminator().set_profiler(&profiler);
  }
  const auto t0 = std::chrono::steady_clock::now();
  int64_t steps = 0;
  double elapsed = 0;
  while (elapsed < seconds || steps < 3) {
    auto losses = trainer.Step(real);
    if (!losses.ok()) {
      std::cerr << losses.status() << "\n";
      return 1;
    }
    ++steps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  const double sps = steps * batch / elapsed;
  const double gflops = sps * GflopPerSample(config.filters);
  if (json) {
    std::cout << nlohmann::json{{"impl", "cascade"},
                                {"what", "train"},
                                {"batch", batch},
                                {"threads", omp_get_max_threads()},
                                {"samples_per_s", sps},
                                {"gflops", gflops},
                                {"ms_per_step", 1000 * elapsed / steps},
                                {"peak_rss_mib", PeakRssMib()}}
                     .dump()
              << std::endl;
  } else {
    fmt::print(
        "train batch {}: {:.2f} samples/s, {:.1f} ms/step, {:.1f} GFLOP/s, peak RSS {:.0f} MiB\n",
        batch, sps, 1000 * elapsed / steps, gflops, PeakRssMib());
  }
  if (profile) {
    double total = 0;
    for (const auto& [name, t] : profiler.times()) total += t.forward_seconds + t.backward_seconds;
    fmt::print("{:<44}{:>10}{:>10}{:>8}\n", "layer (ms per step)", "forward", "backward", "share");
    for (const auto& [name, t] : profiler.times()) {
      fmt::print("{:<44}{:>10.2f}{:>10.2f}{:>7.1f}%\n", name, 1000 * t.forward_seconds / steps,
                 1000 * t.backward_seconds / steps,
                 100 * (t.forward_seconds + t.backward_seconds) / total);
    }
    fmt::print("layers account for {:.1f} of {:.1f} ms per step\n", 1000 * total / steps,
               1000 * elapsed / steps);
  }
  return 0;
}
