// Import of CERN's trained 3DGAN weights (Keras 2.0.4 `save_weights` HDF5, channels_last,
// BatchNorm per channel) into a Cascade ParamArena.
//
// File layout read: root attr `layer_names`; each layer group has attr `weight_names`; tensor
// `<layer>/<weight_name>`, where the weight name may itself be nested (`model_3` holds
// `conv3d_5/kernel:0`). Keys drop the layer group and the ":0" suffix: "conv3d_5/kernel".
//
// The importers only accept the original-filters, BN-per-channel variant (the only one CERN
// trained): every arena entry under "generator/" (resp. "discriminator/") must have exactly the
// shape docs/model-contract gives that variant, otherwise nothing is written.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/nn/param_arena.h"

namespace cascade::gan {

// One Keras weight exactly as stored: row-major float32 in Keras' channels_last layout.
struct KerasTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Reads every weight of a Keras 2.x `save_weights` file, keyed "<layer>/<tensor>" (e.g.
// "conv3d_1/kernel", "generation/kernel"). Errors name the file and the offending object.
absl::StatusOr<std::map<std::string, KerasTensor>> ReadKerasWeights(const std::string& path);

// Fills "generator/..." of `arena` (original filters, BN per channel) from a Keras generator file,
// converting kernels to (O, I, kD, kH, kW) / (out, in) and the Dense→Reshape order to (C,D,H,W).
absl::Status ImportKerasGenerator(const std::string& path, nn::ParamArena& arena);

// Fills "discriminator/..." of `arena` from a Keras discriminator file (with or without the
// weightless ecal Lambda layer), converting the heads' Flatten order to (C,D,H,W).
absl::Status ImportKerasDiscriminator(const std::string& path, nn::ParamArena& arena);

}  // namespace cascade::gan
