#include "common/data/epoch_order.h"

#include <numeric>
#include <random>

#include "common/data/seeding.h"

namespace cascade::data {
namespace {

// Uniform integer in [0, bound) by Lemire's multiply-shift with rejection. Written out because
// std::uniform_int_distribution's algorithm is implementation-defined, and the permutation must be
// the same on every rank whatever standard library each was built with.
uint64_t UniformBelow(std::mt19937_64& rng, uint64_t bound) {
  unsigned __int128 m = static_cast<unsigned __int128>(rng()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(rng()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

}  // namespace

EpochOrder::EpochOrder(int64_t num_events, int64_t batch_size, int rank, int world, uint64_t seed,
                       bool shuffle)
    : num_events_(num_events),
      batch_size_(batch_size),
      rank_(rank),
      world_(world),
      seed_(seed),
      shuffle_(shuffle) {}

void EpochOrder::Permute(int64_t epoch) {
  permutation_.resize(num_events_);
  std::iota(permutation_.begin(), permutation_.end(), int64_t{0});
  if (shuffle_) {
    std::mt19937_64 rng(StreamSeed(seed_, static_cast<uint64_t>(epoch), /*salt=*/0xE90C));
    for (int64_t i = num_events_ - 1; i > 0; --i) {  // Fisher-Yates
      std::swap(permutation_[i], permutation_[UniformBelow(rng, static_cast<uint64_t>(i + 1))]);
    }
  }
  epoch_ = epoch;
}

std::span<const int64_t> EpochOrder::RankSlice(int64_t epoch, int64_t offset) {
  if (epoch != epoch_) Permute(epoch);
  const int64_t begin = offset + rank_ * batch_size_;
  return {permutation_.data() + begin, static_cast<size_t>(batch_size_)};
}

}  // namespace cascade::data
