// Discriminator: shower (N, 1, 25, 25, 25) → three heads (physics.md §4.2):
//   p      (N) sigmoid real/fake score       ("generation")
//   aux    (N) linear regression of Ep/100   ("auxiliary")
//   ecal   (N) Σ of the *input image*        (Keras Lambda; no parameters)
// The trunk (conv/BN/dropout/pool/flatten) is one Sequential; both learned heads read the same
// flattened features, so their input gradients are summed before the trunk's backward. The ecal
// head's gradient is added to the input gradient directly: it is how the G step learns the
// energy sum (DESIGN.md, training step).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/gan/model_config.h"
#include "common/nn/dense.h"
#include "common/nn/param_arena.h"
#include "common/nn/sequential.h"

namespace cascade::gan {

struct DiscriminatorOutputs {
  std::vector<float> p, aux, ecal;  // (N) each
};

class Discriminator {
 public:
  explicit Discriminator(const ModelConfig& config);

  void RegisterParams(nn::ParamArena& arena);  // "discriminator/<layer>/<tensor>"
  absl::Status Init(int64_t batch, nn::Device& device);

  // `showers`: plain (N, 1, 25, 25, 25). The result stays valid until the next Forward().
  const DiscriminatorOutputs& Forward(const dnnl::memory& showers, const nn::ForwardArgs& args);
  // Gradients of the loss w.r.t. the three outputs (each (N)). Returns d loss / d showers (plain)
  // when args.need_diff_src; writes D's parameter gradients when args.need_param_grads.
  const dnnl::memory& Backward(std::span<const float> d_p, std::span<const float> d_aux,
                               std::span<const float> d_ecal, const nn::BackwardArgs& args);

  void set_profiler(nn::LayerProfiler* p) { trunk_.set_profiler(p, "discriminator/"); }
  const nn::Sequential& trunk() const { return trunk_; }
  const nn::Dense& generation() const { return *generation_; }
  const nn::Dense& auxiliary() const { return *auxiliary_; }

 private:
  ModelConfig config_;
  nn::Sequential trunk_;
  std::unique_ptr<nn::Dense> generation_, auxiliary_;
  nn::Device* device_ = nullptr;
  int64_t batch_ = 0;
  int64_t features_ = 0;  // flattened trunk width (F·11³)
  const dnnl::memory* input_ = nullptr;
  DiscriminatorOutputs out_;
  dnnl::memory d_p_mem_, d_aux_mem_;  // (N, 1) plain
  dnnl::memory d_features_;           // (N, features) plain: sum of both heads' input grads
  dnnl::memory d_input_;              // (N, 1, 25, 25, 25) plain
};

}  // namespace cascade::gan
