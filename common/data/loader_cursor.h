// LoaderCursor: where a ShardedLoader (or a whole group of them) stands in its endless sequence of
// epochs, in a form that survives a change of the global batch (an elastic group re-forming with
// another world size, or a resume with other --ghost-batches).
//
// Epoch e reads its permutation P_e (EpochOrder) in global batches of G events. Global batch b of
// the epoch (b >= base_batch) reads positions [base_offset + (b - base_batch)·G, +G) of P_e, so a
// cursor taken at one G can be re-expressed at another G without reading any event twice or
// skipping one: Rebase() moves the base to the cursor's own position. With base_batch =
// base_offset = 0 (the default, and always at the start of an epoch) this is the plain b·G layout.
// `batch` counts the global steps already done in the epoch, whatever G they had, so a per-epoch
// step cap keeps its meaning across a change. An epoch ends when no full global batch is left:
// base_batch + (N - base_offset) / G batches.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace cascade::data {

// Position of the next batch Next() returns.
struct LoaderCursor {
  int64_t epoch = 0;
  int64_t batch = 0;        // global steps done in this epoch
  int64_t base_batch = 0;   // the batch at which the current global batch size took over
  int64_t base_offset = 0;  // its first position in the epoch's permutation
  bool operator==(const LoaderCursor&) const = default;
};

// Permutation position of the cursor's global batch, and the batches of its epoch at global batch
// `global_batch` over `num_events` events.
int64_t CursorOffset(const LoaderCursor& c, int64_t global_batch);
int64_t BatchesInEpoch(const LoaderCursor& c, int64_t num_events, int64_t global_batch);

// `c` (a position reached with global batch `old_global_batch`) re-expressed for global batch
// `new_global_batch`: the same next event, or the next epoch's start when fewer than
// `new_global_batch` events are left in this one (they become the epoch's dropped tail). Identity
// when the two sizes are equal.
LoaderCursor Rebase(const LoaderCursor& c, int64_t num_events, int64_t old_global_batch,
                    int64_t new_global_batch);

// A cursor as stored in checkpoints and commits (the "data_cursor" string, JSON):
// {"epoch", "batch", "base_batch", "base_offset", "global_batch"}. `global_batch` is the global
// batch size the cursor was taken at; 0 = unknown (cursors written before elastic groups, which
// only hold epoch and batch: read as base 0 and "same global batch as now").
struct StoredCursor {
  LoaderCursor cursor;
  int64_t global_batch = 0;
};
std::string CursorToJson(const LoaderCursor& c, int64_t global_batch);
// DataLoss naming `source` and the text when it is not such a JSON object or a field is negative.
absl::StatusOr<StoredCursor> CursorFromJson(const std::string& text, const std::string& source);

}  // namespace cascade::data
