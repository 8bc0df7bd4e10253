// Allreduce whose float sums do not depend on which rank owns which part of the buffer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace gloo {
class Context;
namespace transport {
class UnboundBuffer;
}  // namespace transport
}  // namespace gloo

namespace cascade::collective {

// Sums every element in rank order, ((x_0 + x_1) + x_2) + ... + x_{W-1}, on every rank — the order
// one process summing W ghost micro-batches uses — so a group's result equals that reference bit
// for bit. Gloo's ring cannot: its chunk c starts at rank c-1 and walks the ring downwards, so each
// third of the buffer is associated differently at W = 3 (docs/distributed-training.md).
//
// Reduce-scatter by direct exchange: chunk c (elements [c·S/W, (c+1)·S/W)) belongs to rank c;
// every rank sends chunk c to rank c, which sums the W contributions in rank order; then every
// owner sends its summed chunk to every rank (allgather). Each rank sends and receives
// (W-1)/W·S per phase, 2(W-1)/W·S per call — the ring's volume — and the exchange takes two
// message latencies instead of the ring's 2(W-1) sequential steps.
// Messages are ≤ 1 MiB segments, pipelined: each segment of the own chunk is summed and sent on as
// soon as all peers' parts of it are in. All receives (both phases) are posted before any send, so
// a peer's data never waits for a buffer; a peer's allgather segment can only arrive after it
// received this rank's same segment, i.e. after this rank's send from that region completed, so
// posting into the region early is safe.
// Invariants: scratch_ holds (W-1) chunks of the largest count seen, allocated once per growth
// (never per call for the trainer's fixed sizes). Throws Gloo's exceptions; the caller converts.
class RankOrderedAllreducer {
 public:
  explicit RankOrderedAllreducer(std::shared_ptr<gloo::Context> context);
  ~RankOrderedAllreducer();

  // data := elementwise sum over ranks, identical on every rank. Bounded by `timeout` overall.
  void Run(std::span<float> data, uint32_t tag, std::chrono::milliseconds timeout);

 private:
  std::shared_ptr<gloo::Context> context_;
  std::vector<float> scratch_;  // (W-1, S/W rounded up): peers' contributions to this rank's chunk
  // Per call: one receive handle per peer over its scratch row (handles only, no data).
  std::vector<std::unique_ptr<gloo::transport::UnboundBuffer>> peer_rows_;
};

}  // namespace cascade::collective
