// One rank of a multi-process collective test: connects through a file rendezvous, runs
// allreduces whose exact result it checks, and prints one line per milestone on stdout:
//   "pid <pid>", "rank <r> iteration <k> ok", "rank <r> checksum <sum>", "rank <r> error:
//   <status>".
// Exit codes: 0 all iterations agreed, 1 wrong result, 2 bad flags, 4 collective Unavailable.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "worker/collective/gloo_collective.h"
#include "worker/collective/rendezvous.h"

namespace cascade::collective {
namespace {

// Small integers: every partial sum is exact in float, so ranks must agree bit for bit.
float Value(int rank, size_t i, int iteration) {
  return static_cast<float>((rank + 1) * (static_cast<int>(i % 13) + 1) + iteration);
}

void Say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

int Run(int argc, char** argv) {
  CLI::App app{"collective integration driver"};
  GlooOptions options;
  std::string rendezvous;
  std::string algorithm = "ring";
  size_t count = 4097;
  int iterations = 3;  // 0: until the collective fails
  int timeout_ms = 30000;
  app.add_option("--rank", options.rank)->required();
  app.add_option("--world", options.world)->required();
  app.add_option("--rendezvous", rendezvous, "file:DIR")->required();
  app.add_option("--algorithm", algorithm)
      ->check(CLI::IsMember({"ordered", "ring", "ringchunked"}));
  app.add_option("--count", count, "floats per allreduce");
  app.add_option("--iterations", iterations);
  app.add_option("--timeout-ms", timeout_ms);
  app.add_option("--prefix", options.prefix);
  CLI11_PARSE(app, argc, argv);
  options.timeout = std::chrono::milliseconds(timeout_ms);
  options.algorithm = *ParseAlgorithm(algorithm);  // IsMember checked the name
  Say(absl::StrCat("pid ", getpid()));

  auto store = OpenRendezvousStore(rendezvous);
  if (!store.ok()) {
    Say(absl::StrCat("rank ", options.rank, " error: ", store.status().ToString()));
    return 2;
  }
  auto collective = ConnectGloo(**store, options);
  if (!collective.ok()) {
    Say(absl::StrCat("rank ", options.rank, " error: ", collective.status().ToString()));
    return 4;
  }
  std::vector<float> data(count);
  double checksum = 0;
  for (int iteration = 0; iterations == 0 || iteration < iterations; ++iteration) {
    for (size_t i = 0; i < count; ++i) data[i] = Value(options.rank, i, iteration);
    if (absl::Status status = (*collective)->AllreduceSum(data); !status.ok()) {
      Say(absl::StrCat("rank ", options.rank, " error: ", status.ToString()));
      return 4;
    }
    for (size_t i = 0; i < count; ++i) {
      float expected = 0;
      for (int r = 0; r < options.world; ++r) expected += Value(r, i, iteration);
      if (data[i] != expected) {
        Say(absl::StrCat("rank ", options.rank, " wrong result at ", i, ": ", data[i],
                         " != ", expected));
        return 1;
      }
      checksum += data[i];
    }
    Say(absl::StrCat("rank ", options.rank, " iteration ", iteration, " ok"));
  }
  if (absl::Status status = (*collective)->Barrier(); !status.ok()) {
    Say(absl::StrCat("rank ", options.rank, " error: ", status.ToString()));
    return 4;
  }
  Say(absl::StrCat("rank ", options.rank, " checksum ", absl::StrFormat("%.17g", checksum)));
  return 0;
}

}  // namespace
}  // namespace cascade::collective

int main(int argc, char** argv) { return cascade::collective::Run(argc, argv); }
