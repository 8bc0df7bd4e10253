// A Keras-like summary of the Generator and Discriminator: layer, output shape, parameters.
// Totals follow Keras: BN moving statistics count as non-trainable parameters, so the totals
// reproduce the published 872,736 / 73,646 for the original model with BN over the last axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/gan/model_config.h"

namespace cascade::gan {

struct LayerSummary {
  std::string name;
  std::vector<int64_t> output_shape;  // per sample, (C, D, H, W) or (features)
  int64_t trainable = 0;
  int64_t non_trainable = 0;
};

struct ModelSummary {
  std::string model;  // "generator" | "discriminator"
  std::vector<LayerSummary> layers;
  int64_t trainable = 0, non_trainable = 0;
  int64_t total() const { return trainable + non_trainable; }
};

absl::StatusOr<std::vector<ModelSummary>> Summarize(const ModelConfig& config);
std::string SummaryTable(const std::vector<ModelSummary>& summaries);
std::string SummaryJson(const std::vector<ModelSummary>& summaries);

}  // namespace cascade::gan
