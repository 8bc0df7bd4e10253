// StandaloneOptions: everything one `cascade-worker --standalone` process needs, and how its place
// in the group is found — flags first, then Slurm's environment (SLURM_PROCID, SLURM_NTASKS,
// SLURM_JOB_ID, SLURM_STEP_ID, SLURM_CPUS_PER_TASK, SLURM_NNODES), then single-node defaults.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "worker/collective/gloo_collective.h"
#include "worker/trainer/training_loop.h"

namespace cascade::worker {

struct StandaloneOptions {
  trainer::TrainingOptions training;
  int rank = -1;           // < 0: SLURM_PROCID
  int world = -1;          // < 0: SLURM_NTASKS
  std::string job;         // "": SLURM_JOB_ID[.SLURM_STEP_ID], else "local"
  std::string rendezvous;  // "file:DIR"; not needed when world == 1
  std::string hostname;    // Gloo bind address; "": 127.0.0.1 on one node, gethostname() on many
  std::string iface;       // Gloo bind interface (wins over hostname)
  double timeout_seconds = 60;
  collective::GlooOptions::Algorithm algorithm = collective::GlooOptions::Algorithm::kRing;
  int threads = 0;             // OpenMP threads; 0: SLURM_CPUS_PER_TASK, else OpenMP's default
  std::string dump_state_dir;  // every rank writes <dir>/rank<R>.h5 (full trainer state) at the end
  bool quiet = false;
};

using EnvLookup = std::function<const char*(const char*)>;  // std::getenv in production

// Completes `options` from `env`; InvalidArgument (naming the flag or variable) when the rank or
// world is unknown or out of range, or the rendezvous is missing for world > 1.
absl::Status ResolveLaunch(StandaloneOptions& options, const EnvLookup& env);

// The store namespace of this group: "standalone/<job>/gen/0" (one generation: no regrouping).
std::string StorePrefix(const StandaloneOptions& options);

}  // namespace cascade::worker
