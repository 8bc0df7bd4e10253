// The contract's tensor names and shapes (notes/model-contract.md) as SpecLayers, so the Keras
// importer and checkpoint tests run against the exact arena layout of every variant without the
// real model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/nn/param_arena.h"
#include "tests/testing/spec_layer.h"

namespace cascade::gan::testing {

struct SpecModel {
  std::vector<std::unique_ptr<cascade::testing::SpecLayer>> layers;
  nn::ParamArena arena;
};

inline void AddSpec(SpecModel& m, const std::string& name, std::vector<nn::TensorSpec> params,
                    std::vector<nn::TensorSpec> buffers = {}) {
  m.layers.push_back(
      std::make_unique<cascade::testing::SpecLayer>(name, std::move(params), std::move(buffers)));
}

inline void AddConvSpec(SpecModel& m, const std::string& name, nn::Dims kernel, bool bias = true) {
  std::vector<nn::TensorSpec> p = {{"kernel", kernel}};
  if (bias) p.push_back({"bias", {kernel[0]}});
  AddSpec(m, name, p);
}

inline void AddBnSpec(SpecModel& m, const std::string& name, int64_t features) {
  AddSpec(m, name, {{"gamma", {features}}, {"beta", {features}}},
          {{"moving_mean", {features}}, {"moving_variance", {features}}});
}

// Registers the layers under "generator/" or "discriminator/" and allocates the arena.
inline void Finish(SpecModel& m, const std::string& model) {
  for (auto& l : m.layers) m.arena.Add(*l, model + "/");
  m.arena.Allocate();
}

// f2 = 6 (original) or 16; bn_per_channel selects BN features = channels vs W extent.
inline std::unique_ptr<SpecModel> GeneratorSpec(int64_t f2, bool bn_per_channel,
                                                int64_t latent = 200) {
  auto m = std::make_unique<SpecModel>();
  AddSpec(*m, "dense_1", {{"kernel", {3136, latent}}, {"bias", {3136}}});
  AddConvSpec(*m, "conv3d_1", {64, 8, 6, 6, 8});
  AddBnSpec(*m, "batch_normalization_1", bn_per_channel ? 64 : 8);
  AddConvSpec(*m, "conv3d_2", {f2, 64, 6, 5, 8});
  AddBnSpec(*m, "batch_normalization_2", bn_per_channel ? f2 : 9);
  AddConvSpec(*m, "conv3d_3", {f2, f2, 3, 3, 8});
  AddConvSpec(*m, "conv3d_4", {1, f2, 2, 2, 2}, /*bias=*/false);
  Finish(*m, "generator");
  return m;
}

// f = 8 (original) or 16.
inline std::unique_ptr<SpecModel> DiscriminatorSpec(int64_t f, bool bn_per_channel) {
  auto m = std::make_unique<SpecModel>();
  AddConvSpec(*m, "conv3d_5", {32, 1, 5, 5, 5});
  AddConvSpec(*m, "conv3d_6", {f, 32, 5, 5, 5});
  AddBnSpec(*m, "batch_normalization_3", bn_per_channel ? f : 25);
  AddConvSpec(*m, "conv3d_7", {f, f, 5, 5, 5});
  AddBnSpec(*m, "batch_normalization_4", bn_per_channel ? f : 25);
  AddConvSpec(*m, "conv3d_8", {f, f, 5, 5, 5});
  AddBnSpec(*m, "batch_normalization_5", bn_per_channel ? f : 23);
  AddSpec(*m, "generation", {{"kernel", {1, f * 1331}}, {"bias", {1}}});
  AddSpec(*m, "auxiliary", {{"kernel", {1, f * 1331}}, {"bias", {1}}});
  Finish(*m, "discriminator");
  return m;
}

}  // namespace cascade::gan::testing
