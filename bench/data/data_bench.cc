// Throughput of the data layer (docs/data.md): GFlash showers/s, and loader events/s with and
// without the prefetch thread, on simulated EleEscan files written to a temporary directory.
//   data_bench [--events_per_file=N] [benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/data/batch.h"
#include "common/data/sharded_loader.h"
#include "common/data/shower_file.h"
#include "common/data/shower_file_writer.h"
#include "common/data/shower_simulator.h"

namespace cascade::data {
namespace {

void BM_Simulate(benchmark::State& state, const ShowerSimulator* sim) {
  const int threads = static_cast<int>(state.range(0));
  constexpr int kEvents = 64;
  std::vector<float> ecal(kEvents * kShowerSize), energy(kEvents);
  int64_t first = 0;
  for (auto _ : state) {
    sim->SimulateEvents(/*seed=*/1, first, kEvents, 2, 500, threads, ecal.data(), energy.data());
    first += kEvents;
    benchmark::DoNotOptimize(ecal.data());
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}

void BM_Loader(benchmark::State& state, std::vector<EventRange> ranges) {
  LoaderOptions options;
  options.batch_size = state.range(0);
  options.prefetch = static_cast<int>(state.range(1));
  auto loader = ShardedLoader::Create(ranges, options);
  if (!loader.ok()) {
    state.SkipWithError(std::string(loader.status().message()).c_str());
    return;
  }
  Batch batch;
  for (auto _ : state) {
    if (!(*loader)->Next(batch).ok()) {
      state.SkipWithError("Next failed");
      return;
    }
    benchmark::DoNotOptimize(batch.images.data());
  }
  state.SetItemsProcessed(state.iterations() * options.batch_size);
}

}  // namespace
}  // namespace cascade::data

int main(int argc, char** argv) {
  using namespace cascade::data;
  int64_t events_per_file = 2000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--events_per_file=", 0) == 0) events_per_file = std::atoll(arg.c_str() + 18);
  }
  benchmark::Initialize(&argc, argv);
  auto sim = ShowerSimulator::Create(GflashConfig{});
  if (!sim.ok()) return 1;
  const auto dir = std::filesystem::temp_directory_path() / "cascade_data_bench";
  std::filesystem::create_directories(dir);
  std::vector<EventRange> ranges;
  std::vector<float> ecal(events_per_file * kShowerSize), energy(events_per_file);
  for (int k = 0; k < 2; ++k) {  // what `cascade simulate` writes: gzip 1, one event per chunk
    const std::string path = (dir / ("EleEscan_" + std::to_string(k) + ".h5")).string();
    sim->SimulateEvents(9, k * events_per_file, events_per_file, 2, 500, 0, ecal.data(),
                        energy.data());
    if (!WriteShowerFile(path, {events_per_file, ecal, energy}).ok()) return 1;
    ranges.push_back({path, 0, events_per_file});
  }
  benchmark::RegisterBenchmark("BM_Simulate", BM_Simulate, &*sim)->Arg(1)->Arg(2)->UseRealTime();
  benchmark::RegisterBenchmark("BM_Loader", BM_Loader, ranges)
      ->ArgNames({"batch", "prefetch"})
      ->Args({128, 0})
      ->Args({128, 4})
      ->Args({16, 4})
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(dir);
  return 0;
}
