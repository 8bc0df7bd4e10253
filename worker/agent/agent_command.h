// The service mode of `cascade-worker`: run a WorkerAgent until it is drained, with SIGTERM and
// SIGINT meaning "drain" (Slurm sends SIGTERM before it kills a job step).
#pragma once

#include "worker/agent/agent_options.h"

namespace cascade::worker {

// Exit code (worker/standalone/exit_codes.h): 0 drained; 2 bad options (coordinator address,
// TLS CA); 1 refused by the coordinator (token).
int RunAgent(const AgentOptions& options);

}  // namespace cascade::worker
