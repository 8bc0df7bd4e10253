// Stateless seed derivation: a stream for (seed, index) that does not depend on how work is split
// across threads or ranks. SplitMix64 (Steele et al., 2014) is the standard seed scrambler.
#pragma once

#include <cstdint>

namespace cascade::data {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Seed of stream `index` under `seed`; distinct streams for distinct (seed, index, salt).
inline uint64_t StreamSeed(uint64_t seed, uint64_t index, uint64_t salt = 0) {
  return SplitMix64(SplitMix64(SplitMix64(seed) ^ index) ^ salt);
}

}  // namespace cascade::data
