// OpenMPI MPI_Allreduce anchor for gloo_allreduce_bench: same sizes, same timing rules
// (in-place float sum, warm-up, barrier before each call, slowest rank, median).
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/collective/bench_common.h"

int main(int argc, char** argv) {
  using namespace cascade::bench;
  MPI_Init(&argc, &argv);
  int rank = 0, world = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  const std::string label = argc > 1 ? argv[1] : "mpi";
  int status = 0;
  for (size_t count : AllreduceCounts()) {
    std::vector<float> data(count, 1.0f);
    const int n = static_cast<int>(count);
    MPI_Allreduce(MPI_IN_PLACE, data.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (data[count - 1] != world) {
      std::fprintf(stderr, "rank %d: wrong MPI_Allreduce result\n", rank);
      status = 1;
    }
    for (int i = 0; i < kWarmupCalls; ++i) {
      MPI_Allreduce(MPI_IN_PLACE, data.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    std::vector<double> times;
    double total = 0;
    for (int iteration = 0;; ++iteration) {
      std::fill(data.begin(), data.end(), 1.0f);
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, data.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      double local = MPI_Wtime() - start, slowest = 0;
      MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      times.push_back(slowest);
      total += slowest;
      if (iteration + 1 >= kMinIterations && total >= kMinSeconds) break;
    }
    if (rank == 0) PrintResult(label, world, count * sizeof(float), Median(times));
  }
  MPI_Finalize();
  return status;
}
