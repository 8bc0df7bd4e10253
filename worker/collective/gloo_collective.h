// Builds a Collective over Gloo's tcp transport from a rendezvous store.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/collective/collective.h"

namespace gloo::rendezvous {
class Store;
}  // namespace gloo::rendezvous

namespace cascade::collective {

struct GlooOptions {
  // Allreduce algorithms; all put 2(p-1)/p * S bytes per rank on the wire. Gloo's legacy
  // AllreduceRing (P*S bytes) is deliberately not offered. docs/collective.md has the measurements
  // behind the default.
  enum class Algorithm {
    // RankOrderedAllreducer: direct reduce-scatter + allgather over Gloo's unbound buffers; every
    // element summed in rank order, so results do not depend on chunk ownership (bit-identical to
    // one process summing the ranks' terms in order) and small buffers take 2 latencies, not
    // 2(p-1).
    kRankOrdered,
    kRing,  // gloo::allreduce(AllreduceOptions RING): pipelined 1 MiB segments, unbound buffers
    kRingChunked,  // gloo::AllreduceRingChunked: bound buffers registered once, staged copy
  };

  int rank = 0;
  int world = 1;
  std::string hostname = "127.0.0.1";  // address to bind; ignored when `iface` is set
  std::string iface;                   // e.g. "eth0"; preferred on multi-homed nodes
  // Bounds rendezvous, every store wait and every collective: no call blocks longer than this
  // (plus at most timeout/4 to attribute a failure to a peer).
  std::chrono::milliseconds timeout{30000};
  Algorithm algorithm = Algorithm::kRankOrdered;
  // How long a failing rank waits for its peers' fault reports to tell a dead peer from one that
  // gave up first (only the failure message's attribution depends on it). Zero: timeout / 4. An
  // elastic worker, whose coordinator decides who is lost anyway, keeps it short so survivors
  // suspend quickly.
  std::chrono::milliseconds diagnosis_grace{0};
  // Store namespace of this group generation, e.g. "trial/<id>/gen/<g>". Gloo's keys are
  // write-once, so a regrouped set of ranks must use a new prefix.
  std::string prefix;
};

// Connects `options.world` ranks (blocking until all have joined and connected, or the timeout
// passes) and returns this rank's member of the group. Call Barrier() before destroying a healthy
// group, so no rank closes its sockets while a peer is still receiving (pytorch#75512). `store` is
// shared by all ranks and must outlive the returned Collective. Errors: InvalidArgument for bad
// options, Unavailable when rendezvous or connection fails (message names the rank and the cause).
// Flag spelling of the algorithms: "ordered", "ring", "ringchunked".
absl::string_view AlgorithmName(GlooOptions::Algorithm algorithm);
// Inverse of AlgorithmName; InvalidArgument naming the value and the choices otherwise.
absl::StatusOr<GlooOptions::Algorithm> ParseAlgorithm(absl::string_view name);

absl::StatusOr<std::unique_ptr<Collective>> ConnectGloo(gloo::rendezvous::Store& store,
                                                        const GlooOptions& options);

}  // namespace cascade::collective
