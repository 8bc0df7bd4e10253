// Streams preprocessed minibatches of one rank's shard of a dataset part (train or test), with a
// background thread keeping `prefetch` batches ready.
//
// Order and sharding follow EpochOrder (epoch_order.h): every rank of a group, built with the same
// ranges, batch size, world and seed, reads a disjoint 1/world of each global batch, and an epoch
// visits every event once across ranks (minus the N mod (world * batch) dropped tail). Next() runs
// through epochs without end; cursor() and Seek() let a checkpoint resume at the exact batch. A
// cursor taken by a group of another global batch is first Rebase()d (loader_cursor.h): the epoch
// then goes on from the same permutation position, and its length is the cursor's
// batches_in_epoch(), not num_batches_per_epoch().
//
// Thread model: one consumer thread calls Next/Seek/cursor; the producer thread owns the file
// readers and the EpochOrder between Start and Stop.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/data/batch.h"
#include "common/data/epoch_order.h"
#include "common/data/loader_cursor.h"
#include "common/data/preprocess.h"
#include "common/data/shower_dataset.h"
#include "common/data/shower_file_reader.h"

namespace cascade::data {

struct LoaderOptions {
  int64_t batch_size = 128;  // per rank; the global batch is world * batch_size
  int rank = 0;
  int world = 1;
  uint64_t seed = 0;    // same on every rank of a group
  bool shuffle = true;  // false: file order (for evaluation)
  int prefetch = 4;     // batches prepared ahead; 0 reads synchronously inside Next()
  PreprocessOptions preprocess;
};

class ShardedLoader {
 public:
  static absl::StatusOr<std::unique_ptr<ShardedLoader>> Create(std::vector<EventRange> ranges,
                                                               const LoaderOptions& options);
  ~ShardedLoader();
  ShardedLoader(const ShardedLoader&) = delete;
  ShardedLoader& operator=(const ShardedLoader&) = delete;

  // Fills `batch` with the next batch, taking over its buffers for reuse (no allocation per step
  // once the buffers have their size). An error (e.g. a NaN cell) names file, dataset and event;
  // it repeats on later calls until Seek().
  absl::Status Next(Batch& batch);
  absl::StatusOr<Batch> Next();

  LoaderCursor cursor() const { return consume_at_; }
  // OutOfRange unless `at` is a position of this loader's global batch: epoch >= 0, base_batch
  // <= batch < batches_in_epoch(at).
  absl::Status Seek(LoaderCursor at);

  // Batches of a whole epoch at this loader's global batch (an epoch that started here).
  int64_t num_batches_per_epoch() const { return num_batches_; }
  // Batches of `at`'s epoch, which may have begun at another global batch.
  int64_t batches_in_epoch(const LoaderCursor& at) const;
  int64_t global_batch() const { return options_.batch_size * options_.world; }
  // data::Rebase of `at` (taken at `old_global_batch`) to this loader's global batch.
  LoaderCursor Rebase(const LoaderCursor& at, int64_t old_global_batch) const;
  int64_t num_events() const { return range_starts_.back(); }  // in all ranks' shards together

 private:
  struct Ready {
    LoaderCursor at;
    absl::Status status;
    Batch batch;
  };

  explicit ShardedLoader(const LoaderOptions& options, int64_t num_events);
  absl::Status Fill(LoaderCursor at, Batch& batch);  // reads + preprocesses one batch
  void Advance(LoaderCursor& at) const;
  void ProducerLoop();
  void StartProducer();
  void StopProducer();

  const LoaderOptions options_;
  std::vector<EventRange> ranges_;
  std::vector<int64_t> range_starts_;  // (ranges + 1) cumulative event counts
  std::vector<ShowerFileReader*> range_reader_;
  std::map<std::string, std::unique_ptr<ShowerFileReader>> readers_;  // one per file
  EpochOrder order_;
  int64_t num_batches_ = 0;
  std::vector<std::pair<int64_t, int64_t>> sorted_ids_;  // (event id, slot in batch), reused

  LoaderCursor consume_at_;  // consumer thread only
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Ready> ready_;   // guarded by mu_
  std::vector<Batch> spare_;  // guarded by mu_: buffers handed back by the consumer
  LoaderCursor produce_at_;   // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  bool failed_ = false;       // guarded by mu_: producer hit an error and waits for Seek
  std::thread producer_;
};

}  // namespace cascade::data
