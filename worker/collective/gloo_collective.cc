#include "worker/collective/gloo_collective.h"

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gloo/allreduce.h"
#include "gloo/barrier.h"
#include "gloo/broadcast.h"
#include "gloo/common/error.h"
#include "gloo/common/logging.h"
#include "gloo/math.h"
#include "gloo/rendezvous/context.h"
#include "gloo/rendezvous/prefix_store.h"
#include "gloo/transport/tcp/device.h"
#include "worker/collective/deadline_store.h"
#include "worker/collective/peer_fault.h"
#include "worker/collective/rank_ordered_allreducer.h"
#include "worker/collective/ring_chunked_allreducer.h"

namespace cascade::collective {
namespace {

// One tag per operation kind: operations on a context never run concurrently, and a failure
// retires the whole context, so tags never need to differ between calls.
constexpr uint32_t kAllreduceTag = 1;
constexpr uint32_t kBroadcastTag = 2;
constexpr uint32_t kBarrierTag = 3;

// Failure attribution waits up to this long for peers' reports (DiagnosePeers); Gloo operations
// get the rest of the timeout, so a failing call returns within options.timeout overall.
std::chrono::milliseconds DiagnosisGrace(std::chrono::milliseconds timeout) { return timeout / 4; }
std::chrono::milliseconds OperationTimeout(std::chrono::milliseconds timeout) {
  return timeout - DiagnosisGrace(timeout);
}
std::chrono::milliseconds GraceOf(const GlooOptions& o) {
  return o.diagnosis_grace.count() > 0 ? std::min(o.diagnosis_grace, DiagnosisGrace(o.timeout))
                                       : DiagnosisGrace(o.timeout);
}

// gloo::sum is overloaded; the cast picks the type-erased float kernel AllreduceOptions expects.
const auto kSumFloat =
    static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>);

// Member of a connected Gloo group. Invariants: context_ is connected with world() pairs and
// every operation is bounded by OperationTimeout(options_.timeout); once failure_ is set the pairs
// are closed and every call returns failure_.
class GlooCollective final : public Collective {
 public:
  GlooCollective(GlooOptions options, std::unique_ptr<gloo::rendezvous::Store> prefix_store,
                 std::unique_ptr<DeadlineStore> store,
                 std::shared_ptr<gloo::rendezvous::Context> context)
      : options_(std::move(options)),
        prefix_store_(std::move(prefix_store)),
        store_(std::move(store)),
        context_(std::move(context)),
        ordered_(context_) {}

  int rank() const override { return options_.rank; }
  int world() const override { return options_.world; }
  absl::Status AllreduceSum(std::span<float> data) override;
  absl::Status Broadcast(std::span<std::byte> data, int root) override;
  absl::Status Barrier() override;

 private:
  // Runs `op`, converting every Gloo exception into a terminal Unavailable status.
  template <typename Op>
  absl::Status Guarded(absl::string_view what, Op&& op);
  absl::Status Fail(absl::string_view what, absl::string_view cause);
  RingChunkedAllreducer& ChunkedFor(size_t count);

  const GlooOptions options_;
  std::unique_ptr<gloo::rendezvous::Store> prefix_store_;  // may be null (empty prefix)
  std::unique_ptr<DeadlineStore> store_;                   // the group's view of the store
  std::shared_ptr<gloo::rendezvous::Context> context_;
  std::vector<std::unique_ptr<RingChunkedAllreducer>> chunked_;  // one per distinct count
  RankOrderedAllreducer ordered_;
  absl::Status failure_;
};

template <typename Op>
absl::Status GlooCollective::Guarded(absl::string_view what, Op&& op) {
  if (!failure_.ok()) return failure_;
  try {
    op();
    return absl::OkStatus();
  } catch (const gloo::IoException& e) {
    return Fail(what, e.what());
  } catch (const gloo::EnforceNotMet& e) {
    return Fail(what, e.what());
  } catch (const std::exception& e) {
    return Fail(what, e.what());
  }
}

absl::Status GlooCollective::Fail(absl::string_view what, absl::string_view cause) {
  const PeerDiagnosis peers = DiagnosePeers(*context_, *store_, GraceOf(options_));
  // Closing our side makes peers blocked on us fail now instead of at their timeout.
  try {
    context_->closeConnections();
  } catch (const std::exception&) {
  }
  const std::string who = absl::StrCat("rank ", rank(), " of ", world(), ": ", what, " failed: ");
  if (!peers.lost.empty()) {
    failure_ = absl::UnavailableError(absl::StrCat(
        who, "lost peer rank ", absl::StrJoin(peers.lost, ", rank "), "; gloo: ", cause));
  } else if (!peers.gave_up.empty()) {
    failure_ = absl::UnavailableError(absl::StrCat(who, "peer rank ",
                                                   absl::StrJoin(peers.gave_up, ", rank "),
                                                   " failed first and hung up; gloo: ", cause));
  } else {
    failure_ = absl::UnavailableError(
        absl::StrCat(who, "no peer connection was lost (a peer may be stalled); gloo: ", cause));
  }
  return failure_;
}

RingChunkedAllreducer& GlooCollective::ChunkedFor(size_t count) {
  for (auto& reducer : chunked_) {
    if (reducer->count() == count) return *reducer;
  }
  chunked_.push_back(std::make_unique<RingChunkedAllreducer>(context_, count));
  return *chunked_.back();
}

absl::Status GlooCollective::AllreduceSum(std::span<float> data) {
  if (!failure_.ok()) return failure_;
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", rank(), ": allreduce of ", data.size(), " floats exceeds 2^31-1"));
  }
  const auto start = std::chrono::steady_clock::now();
  absl::Status status;
  if (!data.empty() && world() > 1) {
    status = Guarded("allreduce", [&] {
      // A sum of two floats is the same in either order, so at world 2 Gloo's ring is rank-ordered
      // too — and it measured faster for G's 3.5 MB gradient at p = 2 (docs/collective.md).
      if (options_.algorithm == GlooOptions::Algorithm::kRankOrdered && world() > 2) {
        ordered_.Run(data, kAllreduceTag, OperationTimeout(options_.timeout));
        return;
      }
      if (options_.algorithm == GlooOptions::Algorithm::kRingChunked) {
        ChunkedFor(data.size()).Run(data);
        return;
      }
      gloo::AllreduceOptions opts(context_);
      opts.setOutput(data.data(), data.size());
      opts.setReduceFunction(kSumFloat);
      opts.setAlgorithm(gloo::AllreduceOptions::Algorithm::RING);
      opts.setTag(kAllreduceTag);
      opts.setTimeout(OperationTimeout(options_.timeout));
      gloo::allreduce(opts);
    });
  }
  CollectiveStats& stats = mutable_stats();
  ++stats.allreduce_calls;
  stats.allreduce_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Reduce-scatter + allgather (ring or direct): 2(p-1) messages of S/p bytes each.
  stats.allreduce_bytes_sent +=
      static_cast<int64_t>(2 * (world() - 1) * data.size_bytes() / world());
  return status;
}

absl::Status GlooCollective::Broadcast(std::span<std::byte> data, int root) {
  if (!failure_.ok()) return failure_;
  if (root < 0 || root >= world()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", rank(), ": broadcast root ", root, " outside world ", world()));
  }
  ++mutable_stats().broadcast_calls;
  if (data.empty() || world() == 1) return absl::OkStatus();
  return Guarded("broadcast", [&] {
    gloo::BroadcastOptions opts(context_);
    opts.setOutput(reinterpret_cast<uint8_t*>(data.data()), data.size());
    opts.setRoot(root);
    opts.setTag(kBroadcastTag);
    opts.setTimeout(OperationTimeout(options_.timeout));
    gloo::broadcast(opts);
  });
}

absl::Status GlooCollective::Barrier() {
  if (!failure_.ok()) return failure_;
  ++mutable_stats().barrier_calls;
  if (world() == 1) return absl::OkStatus();
  return Guarded("barrier", [&] {
    gloo::BarrierOptions opts(context_);
    opts.setTag(kBarrierTag);
    opts.setTimeout(OperationTimeout(options_.timeout));
    gloo::barrier(opts);
  });
}

// Gloo's tcp pairs write() without MSG_NOSIGNAL, so a write to a peer that just died raises
// SIGPIPE, whose default action kills this healthy rank (seen in the SIGKILL integration test:
// survivors exiting 141). With SIGPIPE ignored the write fails with EPIPE and surfaces as an
// IoException like any other peer loss. Process-wide by nature; gRPC does the same. A handler
// installed by the application is left alone.
void IgnoreSigpipeUnlessHandled() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
}

absl::Status ValidateOptions(const GlooOptions& options) {
  if (options.world < 1) {
    return absl::InvalidArgumentError(absl::StrCat("gloo world ", options.world, " < 1"));
  }
  if (options.rank < 0 || options.rank >= options.world) {
    return absl::InvalidArgumentError(
        absl::StrCat("gloo rank ", options.rank, " outside [0, ", options.world, ")"));
  }
  if (options.timeout.count() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("gloo timeout ", options.timeout.count(), " ms must be positive"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view AlgorithmName(GlooOptions::Algorithm algorithm) {
  switch (algorithm) {
    case GlooOptions::Algorithm::kRankOrdered:
      return "ordered";
    case GlooOptions::Algorithm::kRing:
      return "ring";
    case GlooOptions::Algorithm::kRingChunked:
      return "ringchunked";
  }
  return "?";
}

absl::StatusOr<GlooOptions::Algorithm> ParseAlgorithm(absl::string_view name) {
  for (auto algorithm : {GlooOptions::Algorithm::kRankOrdered, GlooOptions::Algorithm::kRing,
                         GlooOptions::Algorithm::kRingChunked}) {
    if (name == AlgorithmName(algorithm)) return algorithm;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("allreduce algorithm '", name, "': expected ordered, ring or ringchunked"));
}

absl::StatusOr<std::unique_ptr<Collective>> ConnectGloo(gloo::rendezvous::Store& store,
                                                        const GlooOptions& options) {
  if (absl::Status status = ValidateOptions(options); !status.ok()) return status;
  IgnoreSigpipeUnlessHandled();
  std::unique_ptr<gloo::rendezvous::Store> prefix_store;
  gloo::rendezvous::Store* group_store = &store;
  if (!options.prefix.empty()) {
    prefix_store = std::make_unique<gloo::rendezvous::PrefixStore>(options.prefix, store);
    group_store = prefix_store.get();
  }
  auto deadline_store = std::make_unique<DeadlineStore>(*group_store, options.timeout);
  const std::string where = absl::StrCat("rank ", options.rank, " of ", options.world, " (prefix '",
                                         options.prefix, "')");
  std::shared_ptr<gloo::transport::Device> device;
  try {
    gloo::transport::tcp::attr attr;
    if (options.iface.empty()) {
      attr.hostname = options.hostname;
    } else {
      attr.iface = options.iface;
    }
    device = gloo::transport::tcp::CreateDevice(attr);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": cannot create tcp device on hostname '", options.hostname,
                     "' iface '", options.iface, "': ", e.what()));
  }
  auto context = std::make_shared<gloo::rendezvous::Context>(options.rank, options.world);
  // The context timeout also bounds pair I/O of the legacy bound-buffer algorithm.
  context->setTimeout(OperationTimeout(options.timeout));
  try {
    context->connectFullMesh(*deadline_store, device);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(where, ": rendezvous failed within ",
                                               options.timeout.count(), " ms: ", e.what()));
  }
  auto collective = std::make_unique<GlooCollective>(options, std::move(prefix_store),
                                                     std::move(deadline_store), std::move(context));
  // connectFullMesh returns once *this* rank's pairs are up; a peer may still be finishing its
  // handshake. Without this barrier a rank that returns, runs a trivial job and exits closes
  // sockets under that peer ("Connection closed by peer" during rendezvous).
  if (absl::Status status = collective->Barrier(); !status.ok()) {
    return absl::UnavailableError(absl::StrCat(where, ": rendezvous barrier: ", status.message()));
  }
  return std::unique_ptr<Collective>(std::move(collective));
}

}  // namespace cascade::collective
