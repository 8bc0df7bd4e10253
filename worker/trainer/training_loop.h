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
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
  std::string out_dir;                 // checkpoints + metrics.jsonl (rank 0 writes)
  std::string resume;                  // checkpoint to resume from
  int64_t validation_events = 500;     // showers generated per epoch for validation; 0 = off
  bool progress = false;               // a live progress bar on stderr
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
  // epoch's validation and checkpoint; stopped() then says so. In a group every rank must answer
  // the same at the same step (the worker agent agrees on it with a small allreduce).
  std::function<bool()> should_stop;

  absl::Status Run();
  bool stopped() const { return stopped_; }
  // After Run() stopped early: rank 0 writes a checkpoint that resumes at the next step
  // ("ckpt-step-<step>.h5" in out_dir) and returns its path; "" on other ranks or without out_dir.
  absl::StatusOr<std::string> CheckpointNow();
  gan::GanTrainer& trainer();

 private:
  struct State;
  absl::Status Setup();
  absl::Status SyncInitialState();
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
