// The `cascade trials --detail` view of one trial: its state and hyperparameters, the history of
// its group (one row per generation: who trained it, from which step, how it recovered and what
// the recovery cost), and its provenance — enough to re-run it. Pure functions of the proto.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <ostream>
#include <string>

#include "cascade/v1/trial.pb.h"
#include "cli/service_format.h"

namespace cascade::cli {

// "0.8s", "42.0s", "3m07s", "2h05m"; for recovery times.
std::string FormatDuration(double seconds);
// b − a in seconds; negative when a or b is unset (the interval is unknown).
double SecondsBetween(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b);

// Where a generation's state came from: "in place" (a survivor's in-memory commit), "disk" (a
// checkpoint) or "scratch" (step 0).
std::string GenerationSource(const v1::GroupGeneration& generation);
// GEN WORLD WORKERS START LOST FROM CHARGED RECOVERY STARTED REASON, oldest first.
Table GenerationTable(const v1::Trial& trial);
// The provenance block ("provenance" then indented "key value" lines, dataset files sorted).
void PrintProvenance(const v1::Provenance& provenance, std::ostream& out);
// Everything known about one trial.
void PrintTrialDetail(const v1::Trial& trial, std::ostream& out);

}  // namespace cascade::cli
