// What a worker tells the coordinator about itself at Register, and the address its Gloo data
// plane binds.
#pragma once

#include <string>

#include "cascade/v1/worker.pb.h"
#include "worker/agent/agent_options.h"

namespace cascade::worker {

// The host (name or IP) the Gloo TCP device binds when no interface is given:
// options.hostname, else gethostname().
std::string DataPlaneHost(const AgentOptions& options);

// hostname, pid, cpus (--threads, else SLURM_CPUS_PER_TASK, else OpenMP's maximum), data-plane
// address (the interface's IPv4 address when --iface is set), SLURM_JOB_ID / SLURM_STEP_ID /
// SLURM_PROCID / SLURMD_NODENAME when present, version and oneDNN's effective ISA.
v1::WorkerInfo CollectWorkerInfo(const AgentOptions& options);

}  // namespace cascade::worker
