// Which events each rank reads in each batch of an epoch — the fix for the two bugs of the original
// Horovod script (physics.md §4.4: the shuffle result was discarded, and every rank read the same
// batches).
//
// Nomenclature: N training events, ids 0..N-1; per-rank batch B; world W ranks; global batch G =
// W*B. Epoch e draws a permutation P_e of 0..N-1 from (seed, e) — identical on every rank, since
// all ranks share seed and N. Global batch b is P_e[b*G, (b+1)*G); rank r reads its slice [b*G +
// r*B, +B). An epoch has floor(N / G) batches: the N mod G events at the tail of P_e are dropped (a
// different set each epoch), so every event is read at most once per epoch and, apart from those <
// G, exactly once across all ranks.
//
// After a change of the global batch mid-epoch (an elastic group re-formed with another world;
// loader_cursor.h) the loader asks for slices at arbitrary permutation offsets: RankSlice(e, o) is
// rank r's [o + r*B, +B) of P_e.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cascade::data {

class EpochOrder {
 public:
  EpochOrder(int64_t num_events, int64_t batch_size, int rank, int world, uint64_t seed,
             bool shuffle);

  int64_t num_batches() const { return num_events_ / (batch_size_ * world_); }

  // Event ids rank reads in batch `batch` of `epoch` (batch < num_batches()). Recomputes the
  // permutation when the epoch changes: O(N) once per epoch.
  std::span<const int64_t> RankBatch(int64_t epoch, int64_t batch) {
    return RankSlice(epoch, batch * batch_size_ * world_);
  }
  // Rank's slice of the global batch that starts at permutation position `offset`
  // (offset + world * batch_size <= num_events).
  std::span<const int64_t> RankSlice(int64_t epoch, int64_t offset);

 private:
  void Permute(int64_t epoch);

  int64_t num_events_, batch_size_;
  int rank_, world_;
  uint64_t seed_;
  bool shuffle_;
  int64_t epoch_ = -1;                // epoch the permutation is for
  std::vector<int64_t> permutation_;  // (num_events)
};

}  // namespace cascade::data
