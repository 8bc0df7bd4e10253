// Converts a GanTrainer's whole state to and from Cascade's checkpoint record
// (docs/checkpoint-format.md): weights and BN statistics of both models, both optimizers'
// accumulators and learning rates, the step, the RNG and the data cursor. Restoring it and
// continuing gives bit-for-bit the same trajectory as never having stopped.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/gan/checkpoint_io.h"
#include "common/gan/gan_trainer.h"

namespace cascade::gan {

Checkpoint SaveTrainerState(GanTrainer& trainer, int64_t epoch, const std::string& data_cursor);

// Fails with a message naming the mismatch if the checkpoint is of another model variant or
// misses a tensor; `trainer` must be Init()ed. Returns the stored data cursor.
absl::StatusOr<std::string> RestoreTrainerState(const Checkpoint& ckpt, GanTrainer& trainer,
                                                const std::string& source_name);

// Loads only the generator weights + BN statistics (for `cascade generate`).
absl::Status RestoreGeneratorWeights(const Checkpoint& ckpt, nn::ParamArena& g_arena,
                                     const std::string& source_name);

}  // namespace cascade::gan
