// The switches that select a 3DGAN variant (physics.md §4, architecture.md). Part of every
// checkpoint; a checkpoint only loads into a model of the same variant.
#pragma once

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "common/nn/layer.h"

namespace cascade::gan {

enum class Filters {
  kOriginal,      // G convs 64/6/6/1, D convs 32/8/8/8 (the published model)
  kMultipleOf16,  // sara-nl commit 1c5beb8: G convs 3-4 -> 16, D convs 2-4 -> 16
  // Same layers and shapes with a few filters each (G 8/2/2/1, D 4/4/4/4): ~10x cheaper. For tests
  // and demos about plumbing (scheduling, recovery), never for physics.
  kTiny,
};

struct ModelConfig {
  Filters filters = Filters::kOriginal;
  nn::BnAxis bn_axis = nn::BnAxis::kLastSpatial;
  int latent_size = 200;
  float xscale = 100.f;  // image scale (Energy-gan default 100; sara-nl Horovod code 1)
  // Weights of [BCE(real/fake), MAPE(Ep/100), MAPE(Σ image)] (Energy-gan tip: [2, 0.1, 0.1]).
  std::array<float, 3> loss_weights{2.f, 0.1f, 0.1f};
  bool ecal_fit_polynomial = true;  // GetEcalFit mod=1 (ROOT polynomial) vs mod=0 (2·e)
  float bn_epsilon = 1e-3f;         // Keras default
  float bn_momentum = 0.99f;        // Keras default
};

std::string ToJson(const ModelConfig& config);
absl::StatusOr<ModelConfig> ModelConfigFromJson(const std::string& json);
const char* FiltersName(Filters f);       // "original" | "16" | "tiny"
const char* BnAxisName(nn::BnAxis axis);  // "channel" | "last"
absl::StatusOr<Filters> ParseFilters(const std::string& s);
absl::StatusOr<nn::BnAxis> ParseBnAxis(const std::string& s);

}  // namespace cascade::gan
