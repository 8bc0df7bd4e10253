// RunStandalone: one rank of a data-parallel group without a coordinator — join the group through
// the rendezvous store, train the trial with TrainingLoop, report, and exit with a code that says
// what failed (exit_codes.h). Any group failure (peer killed, timeout) returns kExitUnavailable
// after printing one line that names this rank and the lost peer; nothing waits past the timeout.
#pragma once

#include "worker/standalone/standalone_options.h"

namespace cascade::worker {

// `options` must have passed ResolveLaunch.
int RunStandalone(const StandaloneOptions& options);

}  // namespace cascade::worker
