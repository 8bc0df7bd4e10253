// GanTrainer: owns G, D, their parameter arenas and optimizers, the trial's RNG, and runs the
// 3DGAN training step of architecture.md / docs/model.md:
//   1. fake = G(e0 ⊙ z0) in inference mode
//   2. D step on the real batch (targets BitFlip(1), Ep/100, Σ image)
//   3. D step on the fake batch (targets BitFlip(0), e0, GetEcalFit(e0))
//   4. twice: G step through a frozen D (targets 1, e, GetEcalFit(e)), fresh z and e each time.
// Each of the four updates passes its flat gradient through `GradientSync` first, and the step
// ends by passing both models' BN moving statistics (G's then D's buffers, one span): in a
// data-parallel group that is the allreduce-average; alone it is empty. The trainer knows nothing
// of the network beyond that callback.
//
// Ghost batches (TrainerOptions::ghost_batches = k > 1): one process emulates k consecutive ranks
// of a group. Each step takes k·batch rows and runs every update as k micro-batches of `batch`,
// each with its own BN batch statistics, BN moving-statistic copy and dropout seed exactly as rank
// i would have; the micro-batch gradients are summed left to right (micro-batch 0 first) and
// scaled by 1/k before the update, and the k moving-stat copies are averaged the same way at the
// end of the step — the group's arithmetic bit for bit with its default rank-ordered allreduce,
// which sums in the same order. It is the single-process reference the data-parallel tests compare
// a real group against (docs/distributed-training.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/gan/discriminator.h"
#include "common/gan/generator.h"
#include "common/gan/model_config.h"
#include "common/nn/param_arena.h"
#include "common/nn/rmsprop.h"

namespace cascade::gan {

// One batch of preprocessed real showers (a view; the loader owns the storage).
struct RealBatch {
  int64_t n = 0;
  std::span<const float> images;           // (n, 1, 25, 25, 25), × xscale
  std::span<const float> energy_over_100;  // (n)
  std::span<const float> ecal_sum;         // (n), Σ image after xscale
};

// Keras `train_on_batch` reports [total, BCE, MAPE(aux), MAPE(ecal)].
struct LossTerms {
  double total = 0, bce = 0, aux = 0, ecal = 0;
};
struct StepLosses {
  LossTerms d_real, d_fake;
  std::array<LossTerms, 2> g;
};

// Every random draw of one step. Normally drawn from the trainer's RNG; tests inject them.
struct StepDraws {
  // R = ghost_batches × batch rows (R = B without ghost batches).
  std::vector<float> z0, e0;                    // (R, L), (R)
  std::vector<float> real_labels, fake_labels;  // (R) after BitFlip
  uint64_t seed_real = 0, seed_fake = 0;        // dropout seeds of the two D steps, before
                                                // Step mixes in the (virtual) rank
  std::array<std::vector<float>, 2> z, e;       // G steps
  std::array<uint64_t, 2> seed_g{};
};

// Where a step hands data to the group, in call order.
enum class SyncPoint { kDRealGrads, kDFakeGrads, kGGrads1, kGGrads2, kBnStats };
const char* SyncPointName(SyncPoint point);  // "d_real", "d_fake", "g_1", "g_2", "bn_stats"
using GradientSync = std::function<absl::Status(SyncPoint point, std::span<float> data)>;

struct TrainerOptions {
  int64_t batch = 8;
  double lr = 1e-3;  // RMSprop for D and for the combined (G) update (Keras default)
  uint64_t seed = 1;
  float label_flip = 0.05f;  // BitFlip probability
  // Data-parallel position. Every rank draws the *global* batch's random numbers from the same
  // seeded stream and keeps its own rows, so a group's draws equal one process's with the
  // global batch, and the RNG state stays identical on every rank (one state to checkpoint).
  // Dropout seeds are mixed with the (virtual) rank: masks index elements within a rank's batch.
  int rank = 0;
  int world = 1;
  // Micro-batches of `batch` per step that emulate consecutive ranks (see the file comment). This
  // process is virtual ranks [rank·k, (rank+1)·k) of a group of world·k; a step takes k·batch rows.
  int ghost_batches = 1;
};

class GanTrainer {
 public:
  GanTrainer(const ModelConfig& config, const TrainerOptions& options);

  // Builds both models for options.batch, allocates arenas, initialises weights from the seed.
  absl::Status Init(nn::Device& device);

  StepDraws Draw();
  absl::StatusOr<StepLosses> Step(const RealBatch& real, const StepDraws& draws,
                                  const GradientSync& sync = {});
  absl::StatusOr<StepLosses> Step(const RealBatch& real, const GradientSync& sync = {}) {
    return Step(real, Draw(), sync);
  }

  const ModelConfig& config() const { return config_; }
  const TrainerOptions& options() const { return options_; }
  Generator& generator() { return *g_; }
  Discriminator& discriminator() { return *d_; }
  nn::ParamArena& g_arena() { return g_arena_; }
  nn::ParamArena& d_arena() { return d_arena_; }
  nn::RmsProp& g_optimizer() { return *g_opt_; }
  nn::RmsProp& d_optimizer() { return *d_opt_; }
  std::mt19937_64& rng() { return rng_; }
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }

 private:
  // Runs `micro(i)` (forward + backward of micro-batch i, gradients into `arena`) for each ghost
  // micro-batch with its BN moving statistics in place, averages the gradients, syncs, steps.
  absl::Status Update(nn::ParamArena& arena, nn::RmsProp& optimizer, SyncPoint point,
                      absl::FunctionRef<LossTerms(int64_t)> micro, const GradientSync& sync,
                      LossTerms& out);
  LossTerms DForwardBackward(const dnnl::memory& images, std::span<const float> labels,
                             std::span<const float> energy, std::span<const float> ecal_target,
                             uint64_t dropout_seed);
  LossTerms GForwardBackward(std::span<const float> z, std::span<const float> e,
                             uint64_t dropout_seed);
  absl::Status SyncBuffers(const GradientSync& sync);
  uint64_t DropoutSeed(uint64_t drawn, int64_t micro) const;
  LossTerms Loss(const DiscriminatorOutputs& out, std::span<const float> labels,
                 std::span<const float> energy, std::span<const float> ecal_target,
                 bool want_ecal_grad);
  void FillLatent(std::span<const float> z, std::span<const float> e);

  ModelConfig config_;
  TrainerOptions options_;
  nn::Device* device_ = nullptr;
  std::unique_ptr<Generator> g_;
  std::unique_ptr<Discriminator> d_;
  nn::ParamArena g_arena_, d_arena_;
  std::unique_ptr<nn::RmsProp> g_opt_, d_opt_;
  std::mt19937_64 rng_;
  int64_t step_ = 0;

  // Planned once for the batch: inputs and loss gradients.
  dnnl::memory latent_;       // (B, L) plain
  dnnl::memory real_images_;  // (B, 1, 25, 25, 25) plain, a copy of the batch
  std::vector<float> d_p_, d_aux_, d_ecal_, ecal_target_, ones_;
  std::vector<float> bn_stage_;  // G's then D's buffers, for the kBnStats sync
  // Ghost batches only (k > 1): per micro-batch BN buffer copies (G's then D's), gradient sum.
  std::vector<std::vector<float>> ghost_buffers_;
  std::vector<float> ghost_grads_;
};

}  // namespace cascade::gan
