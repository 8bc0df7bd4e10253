// The collective-communication interface the trainer uses; implementations hide the transport.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "absl/status/status.h"
#include "worker/collective/collective_stats.h"

namespace cascade::collective {

// A fixed group of `world()` ranks that execute the same sequence of collective calls with
// buffers of equal size. Calls block until this rank's part is done. Any failure (a peer died,
// timed out) is returned as absl::StatusCode::kUnavailable and is terminal: every later call
// returns the same error, and the caller must build a new group (a new rendezvous prefix).
// Not thread-safe: one caller thread per instance.
class Collective {
 public:
  virtual ~Collective();

  virtual int rank() const = 0;
  virtual int world() const = 0;

  // data[i] := sum over ranks of data[i], in place, identical on every rank.
  virtual absl::Status AllreduceSum(std::span<float> data) = 0;
  // AllreduceSum, then scale by 1/world (gradient averaging).
  virtual absl::Status AllreduceAverage(std::span<float> data);
  // Copies `root`'s bytes into every other rank's `data` (same size on every rank).
  virtual absl::Status Broadcast(std::span<std::byte> data, int root) = 0;
  virtual absl::Status Barrier() = 0;

  const CollectiveStats& stats() const { return stats_; }

 protected:
  CollectiveStats& mutable_stats() { return stats_; }

 private:
  CollectiveStats stats_;
};

// A group of one: allreduce and broadcast are identities. For single-process runs and tests.
std::unique_ptr<Collective> MakeLocalCollective();

}  // namespace cascade::collective
