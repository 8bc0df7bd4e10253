// Latent input files for `cascade generate --latent`: datasets `z` (N, L) float32 and `energy`
// (N) float32 in GeV. With one, generation is a pure function of the file, so other
// implementations can be compared shower by shower.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cascade::gan {

struct LatentSet {
  int64_t n = 0, latent_size = 0;
  std::vector<float> z;       // (n, latent_size)
  std::vector<float> energy;  // (n) GeV
};

absl::StatusOr<LatentSet> ReadLatentFile(const std::string& path);
absl::Status WriteLatentFile(const std::string& path, const LatentSet& latent);

}  // namespace cascade::gan
