// Generator: latent (N, L) → shower (N, 1, 25, 25, 25), the exact 3DGAN stack of
// physics.md §4.1 / architecture.md (layer names follow Keras so CERN weights map by name).
//
// The caller passes the *conditioned* latent z ⊙ (Ep/100): the energy scales the latent vector
// elementwise, it is not concatenated. The output is always delivered in plain NCDHW so the
// Discriminator and the HDF5 writer take it without knowing G's internal layouts.
#pragma once

#include <cstdint>
#include <optional>

#include "common/gan/model_config.h"
#include "common/nn/param_arena.h"
#include "common/nn/sequential.h"

namespace cascade::gan {

class Generator {
 public:
  explicit Generator(const ModelConfig& config);

  // Registers every tensor as "generator/<layer>/<tensor>".
  void RegisterParams(nn::ParamArena& arena);
  // Plans all primitives for batch `batch`.
  absl::Status Init(int64_t batch, nn::Device& device);

  // `latent`: plain (N, L). Returns plain (N, 1, 25, 25, 25).
  const dnnl::memory& Forward(const dnnl::memory& latent, const nn::ForwardArgs& args);
  // `diff_showers`: plain (N, 1, 25, 25, 25). Writes G's parameter gradients.
  void Backward(const dnnl::memory& diff_showers, const nn::BackwardArgs& args);

  void set_profiler(nn::LayerProfiler* p) { net_.set_profiler(p, "generator/"); }
  const nn::Sequential& net() const { return net_; }
  int64_t batch() const { return batch_; }

 private:
  ModelConfig config_;
  nn::Sequential net_;
  nn::Device* device_ = nullptr;
  int64_t batch_ = 0;
  // Planned once: G's last layer output → plain, and the plain gradient → its layout.
  std::optional<dnnl::reorder> to_plain_, from_plain_;
  dnnl::memory plain_out_, diff_in_;
};

}  // namespace cascade::gan
