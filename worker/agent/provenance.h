// What a trial needs to be re-run exactly (Trial.provenance): the data files' SHA-256, the seed,
// the software and ISA that trained it and how its group communicated. Rank 0 reports it in
// GroupStarted; the coordinator keeps it with the trial (`cascade trials --detail`).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cascade/v1/worker.pb.h"
#include "worker/agent/agent_options.h"

namespace cascade::worker {

// Everything but the file hashes (cheap: no I/O).
v1::Provenance BaseProvenance(const v1::Assignment& assignment, const AgentOptions& options,
                              const std::string& cpu_isa);

// SHA-256 (lower-case hex) of every regular file named in `paths` or below a directory in it, by
// path. Reads each file once in 1 MiB blocks; NotFound/DataLoss naming the file on error.
absl::StatusOr<std::map<std::string, std::string>> HashDataFiles(
    const std::vector<std::string>& paths);

}  // namespace cascade::worker
