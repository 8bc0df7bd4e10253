// Process exit codes of cascade-worker (docs/distributed-training.md); the numbers match the
// `cascade` CLI's (cli/command.h) so scripts treat both alike.
#pragma once

#include "absl/status/status.h"

namespace cascade::worker {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // training ran and failed (I/O error, non-finite loss, ...)
  kExitUsage = 2,        // bad flags, or rank/world missing and not under Slurm
  kExitBadInput = 3,     // data or checkpoint invalid or missing
  kExitUnavailable = 4,  // the group failed: a peer died or timed out, rendezvous failed
};

ExitCode ExitCodeFor(const absl::Status& status);

}  // namespace cascade::worker
