// Cascade's own checkpoint file: one HDF5 file per checkpoint, readable with h5py
// (docs/checkpoint-format.md). The model, optimizer and training loop decide what goes in it;
// this module only stores and loads named tensors, strings and scalars faithfully (bit for bit).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cascade::gan {

inline constexpr char kCheckpointFormat[] = "cascade-checkpoint";
inline constexpr int64_t kCheckpointVersion = 1;

// One float32 tensor, row-major. The name becomes an HDF5 group path, so '/' nests.
struct NamedTensor {
  std::string name;  // e.g. "generator/params/conv3d_1/kernel"
  std::vector<int64_t> shape;
  std::vector<float> data;
};

struct Checkpoint {
  std::string config_json;  // ModelConfig as JSON (ToJson)
  int64_t step = 0;
  int64_t epoch = 0;
  std::vector<NamedTensor> tensors;            // order is preserved by a round trip
  std::map<std::string, std::string> strings;  // e.g. "rng" (mt19937_64 text state), "data_cursor"
  std::map<std::string, double> scalars;       // e.g. "optimizer/discriminator/lr"
};

// Writes `path.tmp`, then renames it over `path`, so a crash never leaves a half-written
// checkpoint under the final name.
absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& ckpt);
// Errors (missing, not HDF5, truncated, another format or version) name the file and the object.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

}  // namespace cascade::gan
