#include "common/data/sharded_loader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/data/hdf5_error.h"
#include "common/data/shower_file.h"
#include "common/status_macros.h"

namespace cascade::data {
namespace {

void Resize(Batch& b, int64_t n) {
  b.n = n;
  b.images.resize(n * kShowerSize);
  b.energy_over_100.resize(n);
  b.ecal_sum.resize(n);
  b.energy_gev.resize(n);
}

int64_t CountEvents(const std::vector<EventRange>& ranges) {
  int64_t n = 0;
  for (const EventRange& r : ranges) n += r.size();
  return n;
}

}  // namespace

ShardedLoader::ShardedLoader(const LoaderOptions& options, int64_t num_events)
    : options_(options),
      order_(num_events, options.batch_size, options.rank, options.world, options.seed,
             options.shuffle) {}

absl::StatusOr<std::unique_ptr<ShardedLoader>> ShardedLoader::Create(std::vector<EventRange> ranges,
                                                                     const LoaderOptions& options) {
  if (options.batch_size <= 0 || options.world <= 0 || options.rank < 0 ||
      options.rank >= options.world || options.prefetch < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loader options: batch ", options.batch_size, ", rank ", options.rank, ", world ",
        options.world, ", prefetch ", options.prefetch, " (need batch > 0, 0 <= rank < world)"));
  }
  const int64_t num_events = CountEvents(ranges);
  const int64_t global_batch = options.batch_size * options.world;
  if (num_events < global_batch) {
    return absl::FailedPreconditionError(absl::StrCat("the data hold ", num_events,
                                                      " events, fewer than one global batch of ",
                                                      global_batch, " (world x batch)"));
  }
  std::unique_ptr<ShardedLoader> loader(new ShardedLoader(options, num_events));
  loader->range_starts_.push_back(0);
  for (const EventRange& r : ranges) {
    auto& reader = loader->readers_[r.path];
    if (reader == nullptr) {
      CASCADE_ASSIGN_OR_RETURN(reader, ShowerFileReader::Open(r.path));
    }
    if (r.begin < 0 || r.end > reader->info().num_events || r.begin > r.end) {
      return absl::OutOfRangeError(absl::StrCat(r.path, ": event range [", r.begin, ", ", r.end,
                                                ") outside the file's ", reader->info().num_events,
                                                " events"));
    }
    loader->range_reader_.push_back(reader.get());
    loader->range_starts_.push_back(loader->range_starts_.back() + r.size());
  }
  loader->ranges_ = std::move(ranges);
  loader->num_batches_ = loader->order_.num_batches();
  loader->StartProducer();
  return loader;
}

ShardedLoader::~ShardedLoader() { StopProducer(); }

int64_t ShardedLoader::batches_in_epoch(const LoaderCursor& at) const {
  return BatchesInEpoch(at, num_events(), global_batch());
}

LoaderCursor ShardedLoader::Rebase(const LoaderCursor& at, int64_t old_global_batch) const {
  return data::Rebase(at, num_events(), old_global_batch, global_batch());
}

void ShardedLoader::Advance(LoaderCursor& at) const {
  if (++at.batch >= batches_in_epoch(at)) at = {at.epoch + 1, 0, 0, 0};
}

absl::Status ShardedLoader::Fill(LoaderCursor at, Batch& batch) {
  Resize(batch, options_.batch_size);
  const std::span<const int64_t> ids = order_.RankSlice(at.epoch, CursorOffset(at, global_batch()));
  // Read in file order: sequential access within each file, whatever the shuffled order.
  sorted_ids_.clear();
  for (size_t slot = 0; slot < ids.size(); ++slot) sorted_ids_.emplace_back(ids[slot], slot);
  std::sort(sorted_ids_.begin(), sorted_ids_.end());
  for (const auto& [id, slot] : sorted_ids_) {
    const size_t r = std::upper_bound(range_starts_.begin(), range_starts_.end(), id) -
                     range_starts_.begin() - 1;
    const int64_t event = ranges_[r].begin + (id - range_starts_[r]);
    CASCADE_RETURN_IF_ERROR(
        range_reader_[r]->ReadEvents(event, 1, batch.images.data() + slot * kShowerSize));
    batch.energy_gev[slot] = range_reader_[r]->energies()[event];
  }
  PreprocessShowers(batch.n, batch.images.data(), batch.energy_gev.data(),
                    batch.energy_over_100.data(), batch.ecal_sum.data(), options_.preprocess);
  return absl::OkStatus();
}

absl::Status ShardedLoader::Next(Batch& batch) {
  if (options_.prefetch == 0) {
    CASCADE_RETURN_IF_ERROR(Fill(consume_at_, batch));
    Advance(consume_at_);
    return absl::OkStatus();
  }
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !ready_.empty(); });
  Ready& front = ready_.front();
  if (!front.status.ok()) return front.status;  // stays queued: the error repeats until Seek
  std::swap(batch, front.batch);
  if (front.batch.images.capacity() > 0) spare_.push_back(std::move(front.batch));
  consume_at_ = front.at;
  Advance(consume_at_);
  ready_.pop_front();
  cv_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<Batch> ShardedLoader::Next() {
  Batch batch;
  CASCADE_RETURN_IF_ERROR(Next(batch));
  return batch;
}

absl::Status ShardedLoader::Seek(LoaderCursor at) {
  if (at.epoch < 0 || at.base_batch < 0 || at.base_offset < 0 || at.batch < at.base_batch ||
      at.batch >= batches_in_epoch(at)) {
    return absl::OutOfRangeError(absl::StrCat(
        "loader position epoch ", at.epoch, " batch ", at.batch, " (base batch ", at.base_batch,
        " at event ", at.base_offset, ") outside [", at.base_batch, ", ", batches_in_epoch(at),
        ") for global batch ", global_batch(), " of ", num_events(), " events"));
  }
  StopProducer();
  for (Ready& r : ready_) spare_.push_back(std::move(r.batch));
  ready_.clear();
  consume_at_ = produce_at_ = at;
  failed_ = false;
  StartProducer();
  return absl::OkStatus();
}

void ShardedLoader::StartProducer() {
  if (options_.prefetch == 0) return;
  stop_ = false;
  produce_at_ = consume_at_;
  producer_ = std::thread([this] { ProducerLoop(); });
}

void ShardedLoader::StopProducer() {
  if (!producer_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  producer_.join();
}

void ShardedLoader::ProducerLoop() {
  SilenceHdf5Errors();
  while (true) {
    Batch batch;
    LoaderCursor at;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] {
        return stop_ || (!failed_ && static_cast<int>(ready_.size()) < options_.prefetch);
      });
      if (stop_) return;
      if (!spare_.empty()) {
        batch = std::move(spare_.back());
        spare_.pop_back();
      }
      at = produce_at_;
    }
    absl::Status status = Fill(at, batch);  // the slow part, outside the lock
    {
      std::lock_guard lock(mu_);
      if (status.ok()) {
        Advance(produce_at_);
      } else {
        failed_ = true;
      }
      ready_.push_back({at, std::move(status), std::move(batch)});
    }
    cv_.notify_all();
  }
}

}  // namespace cascade::data
