// How an Assignment from the coordinator becomes the trainer's TrainingOptions, and where its
// files are. Pure functions: the agent's mapping is unit-tested without a network or a model.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cascade/v1/worker.pb.h"
#include "worker/trainer/training_loop.h"

namespace cascade::worker {

// Maps hparams (lr, batch_per_worker, loss_weight_bce/ep/ecal; other names are ignored), the
// model variant (UNSPECIFIED / 0 fields keep the ModelConfig defaults), max_epochs,
// steps_per_epoch (0 = one pass), validation_events, checkpoint_every_steps, checkpoint_dir
// (-> out_dir), resume_checkpoint and seed. `data` is the resolved file list. InvalidArgument
// naming the field or hyperparameter when a value has the wrong type or range.
absl::StatusOr<trainer::TrainingOptions> ToTrainingOptions(const v1::Assignment& assignment,
                                                           std::vector<std::string> data);

// The files of a DataSource without a simulate block: train_files then validation_files, glob
// patterns expanded (sorted). NotFound naming a pattern that matches nothing. The trainer splits
// the list 90/10 by sorted path (data::ShowerDataset), see docs/worker.md.
absl::StatusOr<std::vector<std::string>> ExpandDataFiles(const v1::DataSource& data);

// FailureReport kind of a training error: Unavailable (the group) -> PEER_LOST, a non-finite
// loss -> NON_FINITE, a message about a checkpoint -> CHECKPOINT, unreadable or invalid input ->
// DATA, anything else -> INTERNAL.
v1::FailureKind FailureKindFor(const absl::Status& status);

}  // namespace cascade::worker
