// TrainingLoop: one trial's epochs on one process or one data-parallel group — data loading,
// the GAN step, gradient averaging through a Collective, learning-rate schedule, per-epoch
// physics validation, checkpoints and exact resume. `cascade train` runs it with a local
// (world 1) collective; `cascade-worker` runs it with Gloo.
//
// Data parallelism: every rank sees a disjoint shard of each epoch (ShardedLoader), rank 0's
// initial state is broadcast, and each of the step's three updates averages its gradient first,
// so all ranks hold identical weights after every step. LR = base × world with a linear warm-up
// over `warmup_epochs` (Goyal et al.; Horovod's LearningRateWarmupCallback), only when world > 1.
// After every step the ranks also average G's and D's BN moving statistics (one small allreduce):
// each rank's moving averages see only its own batch statistics and would drift apart, while
// rank 0's copy is the one checkpointed and broadcast. `ghost_batches` = k makes one process
// emulate a group of k ranks exactly (GanTrainer), the reference for the data-parallel tests.
//
// Elastic groups: the whole group's state is one state (weights, optimizer, BN statistics, step,
// RNG are identical on every rank after every step; the data cursor is stored with the global
// batch it was taken at and rebased to the current one, loader_cursor.h). Every K steps each rank
// hands an in-memory commit of it to `on_commit`; a re-formed group — of any world size — restores
// one commit on rank 0 (`resume_state`) and SyncInitialState broadcasts everything, including
// step, RNG and cursor, so a joining rank needs no state of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/gan/checkpoint_io.h"
#include "common/gan/gan_trainer.h"
#include "common/gan/model_config.h"
#include "common/physics/validation_report.h"
#include "worker/collective/collective.h"

namespace cascade::trainer {

struct TrainingOptions {
  std::vector<std::string> data;  // EleEscan files or directories; split 90/10 by file
  gan::ModelConfig model;
  int epochs = 1;
  int64_t batch = 8;  // per rank
  double lr = 1e-3;   // base learning rate (per worker)
  bool scale_lr_by_world = true;
  int warmup_epochs = 5;
  uint64_t seed = 1;
  int64_t max_steps_per_epoch = -1;    // < 0: the whole epoch
  int64_t checkpoint_every_steps = 0;  // 0: at epoch ends only
  int64_t commit_every_steps = 0;      // K: on_commit after every K-th global step (0 = never)
  std::string out_dir;                 // checkpoints + metrics.jsonl (rank 0 writes)
  // Checkpoint to resume from. In a group only rank 0's state matters (it is broadcast); other
  // ranks restore theirs too if given (which checks it), or start from nothing.
  std::string resume;
  // Restore this (in memory) instead of `resume`: a commit from on_commit/CommitNow, possibly
  // taken by a group of another world size. Same rules as `resume`.
  std::shared_ptr<const gan::Checkpoint> resume_state;
  // Multiplies the whole LR schedule (the GAN health guard halves it after a rollback). Not part
  // of the commit: whoever restores one passes the scale again.
  double lr_scale = 1.0;
  int64_t validation_events = 500;  // showers generated per epoch for validation; 0 = off
  bool progress = false;            // a live progress bar on stderr
  int prefetch = 4;
  // Emulate a group of ghost_batches ranks in this process (global batch ghost_batches × batch;
  // LR scaled and warmed up as for world × ghost_batches ranks). 1 = off.
  int ghost_batches = 1;
  std::string trace_path;  // Chrome trace of this rank's step phases ("" = off); ChromeTrace
  std::string trace_host;  // host name shown on the rank's track
};

struct StepReport {
  int64_t step = 0, epoch = 0, batch_in_epoch = 0, batches_per_epoch = 0;
  gan::StepLosses losses;
  double compute_seconds = 0;    // forward, backward, optimizer (step time minus allreduce)
  double allreduce_seconds = 0;  // inside the step's 5 allreduces, incl. waiting for peers
  double data_seconds = 0;       // waiting for the loader's next batch
  int64_t bytes_sent = 0;        // analytic allreduce bytes this rank put on the wire
  double lr = 0;
};

struct EpochReport {
  int64_t epoch = 0, steps = 0;
  double seconds = 0, samples_per_second = 0;
  gan::LossTerms d_real, d_fake, g;  // means over the epoch
  bool validated = false;
  physics::ValidationReport validation;
  std::string checkpoint;  // written by rank 0
};

class TrainingLoop {
 public:
  TrainingLoop(TrainingOptions options, collective::Collective& collective);
  ~TrainingLoop();

  std::function<void(const StepReport&)> on_step;
  std::function<void(const EpochReport&)> on_epoch;
  // Asked after every step (after on_step); true ends Run() with OK after that step, skipping the
  // epoch's validation and checkpoint — unless that step was the epoch's last, which still closes
  // the epoch (validation, checkpoint, on_epoch); stopped() then says so. In a group every rank
  // must answer the same at the same step (the worker agent agrees on it with a small allreduce).
  std::function<bool()> should_stop;
  // On every rank: once at the start (the state the run starts from, after the group synced),
  // and after every step with step % commit_every_steps == 0 (after on_step and the periodic disk
  // checkpoint, before should_stop). A commit is the record a disk checkpoint holds
  // (gan::SaveTrainerState, cursor with its global batch): restoring it through `resume_state`
  // continues bit-identically to restoring the same state from disk.
  std::function<void(std::shared_ptr<const gan::Checkpoint>)> on_commit;
  // Rank 0, after it wrote a periodic checkpoint (`checkpoint_every_steps`; the epoch-end ones
  // arrive in EpochReport::checkpoint): its path, the epochs completed and the global step.
  std::function<void(const std::string& path, int64_t epochs, int64_t step)> on_checkpoint;

  absl::Status Run();
  bool stopped() const { return stopped_; }
  // After Run() stopped early: rank 0 writes a checkpoint that resumes at the next step
  // ("ckpt-step-<step>.h5" in out_dir) and returns its path; "" on other ranks or without out_dir.
  absl::StatusOr<std::string> CheckpointNow();
  // The current state as a commit (between steps, e.g. after Run() returned because should_stop).
  // Only meaningful after Run() returned OK: after an error the state may be mid-step — roll back
  // to the last on_commit instead. FailedPrecondition before Setup finished.
  absl::StatusOr<std::shared_ptr<const gan::Checkpoint>> CommitNow();
  int64_t start_step() const;  // global step the run started from (after the sync)
  gan::GanTrainer& trainer();

 private:
  struct State;
  absl::Status Setup();
  // Restores `resume_state` or `resume` if given: trainer state, then the cursor rebased to this
  // group's global batch.
  absl::Status RestoreInitialState();
  absl::Status RestoreFrom(const gan::Checkpoint& ckpt, const std::string& source);
  absl::Status SeekStoredCursor(const std::string& cursor_json, const std::string& source);
  // World > 1: rank 0's weights, BN buffers, optimizer state, step, RNG and cursor to every rank.
  absl::Status SyncInitialState();
  absl::Status Commit();  // on_commit(CommitNow()) if on_commit is set
  absl::Status RunEpoch(int64_t epoch, EpochReport& report);
  absl::Status Validate(int64_t epoch, EpochReport& report);
  absl::Status SaveCheckpoint(int64_t epoch, const std::string& name, std::string* path);
  double LearningRate(int64_t epoch, int64_t batch_in_epoch) const;

  TrainingOptions options_;
  collective::Collective& collective_;
  std::unique_ptr<State> state_;
  bool stopped_ = false;
};

}  // namespace cascade::trainer
