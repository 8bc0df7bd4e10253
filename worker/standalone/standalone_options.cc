#include "worker/standalone/standalone_options.h"

#include <unistd.h>

#include <climits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cascade::worker {
namespace {

// Reads integer variable `name` into `out` when set; error names the variable and its value.
absl::Status IntFromEnv(const EnvLookup& env, const char* name, int& out, bool& found) {
  found = false;
  const char* v = env(name);
  if (v == nullptr || *v == '\0') return absl::OkStatus();
  if (!absl::SimpleAtoi(v, &out)) {
    return absl::InvalidArgumentError(absl::StrCat(name, "='", v, "' is not an integer"));
  }
  found = true;
  return absl::OkStatus();
}

}  // namespace

absl::Status ResolveLaunch(StandaloneOptions& o, const EnvLookup& env) {
  bool found = false;
  if (o.rank < 0) {
    if (auto st = IntFromEnv(env, "SLURM_PROCID", o.rank, found); !st.ok()) return st;
  }
  if (o.world < 0) {
    if (auto st = IntFromEnv(env, "SLURM_NTASKS", o.world, found); !st.ok()) return st;
  }
  if (o.world < 0) o.world = o.rank <= 0 ? 1 : -1;  // a lone process needs no flags
  if (o.rank < 0 && o.world == 1) o.rank = 0;
  if (o.rank < 0 || o.world < 1) {
    return absl::InvalidArgumentError(
        "--rank/--world not given and SLURM_PROCID/SLURM_NTASKS not set");
  }
  if (o.rank >= o.world) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rank ", o.rank, " is not below --world ", o.world));
  }
  if (o.job.empty()) {
    const char* job = env("SLURM_JOB_ID");
    const char* step = env("SLURM_STEP_ID");
    o.job = job && *job ? absl::StrCat(job, step && *step ? absl::StrCat(".", step) : "") : "local";
  }
  if (o.threads <= 0) {
    int cpus = 0;
    if (auto st = IntFromEnv(env, "SLURM_CPUS_PER_TASK", cpus, found); !st.ok()) return st;
    if (found && cpus > 0) o.threads = cpus;
  }
  if (o.hostname.empty() && o.iface.empty()) {
    int nodes = 1;
    if (auto st = IntFromEnv(env, "SLURM_NNODES", nodes, found); !st.ok()) return st;
    if (nodes > 1) {
      char host[HOST_NAME_MAX + 1] = {};
      ::gethostname(host, sizeof(host) - 1);
      o.hostname = host;
    } else {
      o.hostname = "127.0.0.1";
    }
  }
  if (o.world > 1 && o.rendezvous.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rendezvous file:DIR is required for a group of ", o.world));
  }
  if (o.timeout_seconds <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("--timeout ", o.timeout_seconds));
  }
  return absl::OkStatus();
}

std::string StorePrefix(const StandaloneOptions& o) {
  return absl::StrCat("standalone/", o.job, "/gen/0");
}

}  // namespace cascade::worker
