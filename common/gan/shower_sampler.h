// ShowerSampler: draws showers from a Generator in inference mode, in fixed-size batches (the
// last one padded), for `cascade generate`, the generation benchmark and the per-epoch physics
// validation during training. Output cells are in GeV (the generator's output / xscale), in
// EleEscan (event, x, y, z) order.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "common/gan/generator.h"
#include "common/gan/model_config.h"
#include "common/nn/param_arena.h"

namespace cascade::gan {

class ShowerSampler {
 public:
  ShowerSampler(const ModelConfig& config, int64_t batch);

  absl::Status Init(nn::Device& device);
  // The sampler's own copy of G's weights and BN statistics (fill it, or copy from a trainer).
  nn::ParamArena& arena() { return arena_; }
  absl::Status CopyWeightsFrom(const nn::ParamArena& trained);

  // z: (n, L) standard normal; energy: (n) GeV. Returns n·25³ cells in GeV.
  absl::StatusOr<std::vector<float>> Generate(std::span<const float> z,
                                              std::span<const float> energy_gev);
  // Draws z ~ N(0,1) from `rng`, then Generate().
  absl::StatusOr<std::vector<float>> Sample(std::span<const float> energy_gev,
                                            std::mt19937_64& rng);

  int64_t batch() const { return batch_; }
  const ModelConfig& config() const { return config_; }

 private:
  ModelConfig config_;
  int64_t batch_;
  nn::Device* device_ = nullptr;
  Generator generator_;
  nn::ParamArena arena_;
  dnnl::memory latent_;
};

}  // namespace cascade::gan
