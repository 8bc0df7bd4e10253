// ParamArena: every parameter, gradient and buffer of a model in three flat blocks (llm.c).
//
// Layout: tensors are laid out back to back in registration order, each in its plain
// canonical layout (TensorSpec::shape). grads() mirrors params() offset for offset, so the
// optimizer is one loop and the data-parallel allreduce is one span. Buffers (BN moving
// statistics) are non-trainable: checkpointed and broadcast, never reduced as gradients.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/nn/layer.h"

namespace cascade::nn {

class ParamArena {
 public:
  struct Entry {
    std::string name;  // "<prefix><layer>/<tensor>", e.g. "generator/conv3d_1/kernel"
    TensorSpec spec;
    int64_t offset = 0;  // into params()/grads() if trainable, else into buffers()
    int64_t size = 0;
    bool trainable = true;
  };

  ParamArena() = default;
  ParamArena(const ParamArena&) = delete;
  ParamArena& operator=(const ParamArena&) = delete;

  // Registers `layer`'s tensors; the layer is bound when Allocate() runs.
  void Add(Layer& layer, const std::string& prefix);
  // Allocates the three blocks and binds every registered layer. Call once.
  void Allocate();
  // Fills every tensor with its initialiser from one seeded generator, in registration order.
  void Initialize(uint64_t seed);

  std::span<float> params() { return params_; }
  std::span<float> grads() { return grads_; }
  std::span<float> buffers() { return buffers_; }
  std::span<const float> params() const { return params_; }
  std::span<const float> buffers() const { return buffers_; }
  const std::vector<Entry>& entries() const { return entries_; }
  int64_t num_trainable() const { return static_cast<int64_t>(params_.size()); }
  int64_t num_buffers() const { return static_cast<int64_t>(buffers_.size()); }

  // The storage of tensor `name` (params() or buffers()), or NotFound.
  absl::StatusOr<std::span<float>> Find(const std::string& name);
  absl::StatusOr<std::span<float>> FindGrad(const std::string& name);

 private:
  struct Registration {
    Layer* layer;
    size_t first_entry;
    size_t num_params;
    size_t num_buffers;
  };
  std::vector<Entry> entries_;
  std::vector<Registration> layers_;
  std::vector<float> params_, grads_, buffers_;
  bool allocated_ = false;
};

}  // namespace cascade::nn
