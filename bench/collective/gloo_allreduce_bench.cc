// Allreduce bus bandwidth of cascade_collective (Gloo tcp) for the trainer's gradient sizes.
// One process per rank, started by bench/collective/run.sh with a file rendezvous.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "bench/collective/bench_common.h"
#include "worker/collective/gloo_collective.h"
#include "worker/collective/rendezvous.h"

namespace cascade::bench {
namespace {

using collective::Collective;
using Clock = std::chrono::steady_clock;

// Slowest rank's time of one call: each rank fills its slot, a sum gathers them.
double MaxOverRanks(Collective& group, double seconds, std::vector<float>& slots) {
  std::fill(slots.begin(), slots.end(), 0.0f);
  slots[group.rank()] = static_cast<float>(seconds);
  if (!group.AllreduceSum(slots).ok()) return -1;
  return *std::max_element(slots.begin(), slots.end());
}

int Run(int argc, char** argv) {
  CLI::App app{"Gloo allreduce benchmark (one rank)"};
  collective::GlooOptions options;
  std::string rendezvous, algorithm = "ring";
  app.add_option("--rank", options.rank)->required();
  app.add_option("--world", options.world)->required();
  app.add_option("--rendezvous", rendezvous)->required();
  app.add_option("--algorithm", algorithm)
      ->check(CLI::IsMember({"ordered", "ring", "ringchunked"}));
  app.add_option("--prefix", options.prefix);
  CLI11_PARSE(app, argc, argv);
  options.algorithm = *collective::ParseAlgorithm(algorithm);  // checked by IsMember above
  auto store = collective::OpenRendezvousStore(rendezvous);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 2;
  auto group = collective::ConnectGloo(**store, options);
  if (!group.ok()) return std::fprintf(stderr, "%s\n", group.status().ToString().c_str()), 4;

  std::vector<float> slots(options.world);
  for (size_t count : AllreduceCounts()) {
    std::vector<float> data(count, 1.0f);  // allocated and faulted in once per size
    if (!(*group)->AllreduceSum(data).ok() || data[count - 1] != options.world) {
      std::fprintf(stderr, "rank %d: wrong allreduce result\n", options.rank);
      return 1;
    }
    for (int i = 0; i < kWarmupCalls; ++i) (void)(*group)->AllreduceSum(data);
    std::vector<double> times;
    double total = 0;
    // Every rank must run the same number of iterations: rank 0's view of elapsed time decides.
    for (int iteration = 0;; ++iteration) {
      std::fill(data.begin(), data.end(), 1.0f);  // keep values finite; outside the timing
      if (!(*group)->Barrier().ok()) return 4;
      const auto start = Clock::now();
      if (!(*group)->AllreduceSum(data).ok()) return 4;
      const double local = std::chrono::duration<double>(Clock::now() - start).count();
      const double slowest = MaxOverRanks(**group, local, slots);
      if (slowest < 0) return 4;
      times.push_back(slowest);
      total += slowest;
      if (iteration + 1 >= kMinIterations && total >= kMinSeconds) break;
    }
    if (options.rank == 0) {
      PrintResult("gloo-" + algorithm, options.world, count * sizeof(float), Median(times));
    }
  }
  return (*group)->Barrier().ok() ? 0 : 4;
}

}  // namespace
}  // namespace cascade::bench

int main(int argc, char** argv) { return cascade::bench::Run(argc, argv); }
