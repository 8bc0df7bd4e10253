// Checkpoint garbage collection policy (Determined's save_trial_latest / save_trial_best): which
// of a trial's recorded checkpoints to delete, and whether a recorded path may be removed from
// disk. Pure functions; the Coordinator deletes the records and files.
#pragma once

#include <string>
#include <vector>

#include "cascade/v1/trial.pb.h"

namespace cascade::coordinator {

// Ids of `checkpoints` outside the union of the `keep_latest` newest (by step, then id) and the
// `keep_best` best by metric (only those with has_metric). `protect_id` (the trial's latest,
// which a restart resumes from) is never returned.
std::vector<std::string> CheckpointsToDelete(const std::vector<v1::Checkpoint>& checkpoints,
                                             int keep_latest, int keep_best, bool smaller_is_better,
                                             const std::string& protect_id);

// True when `path` lies inside `dir` after lexical normalisation (no "..", not `dir` itself):
// the coordinator deletes only files it told the trial to write, never a path a worker made up.
bool IsUnderDirectory(const std::string& path, const std::string& dir);

}  // namespace cascade::coordinator
