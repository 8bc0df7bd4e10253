#include "worker/collective/rank_ordered_allreducer.h"

#include <algorithm>
#include <utility>

#include "gloo/common/error.h"
#include "gloo/context.h"
#include "gloo/transport/unbound_buffer.h"
#include "gloo/types.h"

namespace cascade::collective {
namespace {

// Gloo's own slot prefixes are 0x01-0x08 (gloo/types.h); distinct prefixes keep this algorithm's
// messages from ever matching a Gloo collective's receive on the same tag, and its two phases'
// messages from matching each other's receives.
constexpr uint8_t kReduceSlotPrefix = 0x40;
constexpr uint8_t kGatherSlotPrefix = 0x41;

using Clock = std::chrono::steady_clock;

// Chunks are cut into segments so that a chunk's first segments are summed and sent on while its
// later ones are still arriving: at least 2 per chunk (as Gloo's ring), at most 1 MiB each (Gloo's
// bound, cache-friendly), and none below 256 KiB — smaller buffers are latency-bound, where more
// messages only cost. A function of (count, world) only, so sender and receiver agree.
constexpr size_t kMinSegmentFloats = (size_t{256} << 10) / sizeof(float);
constexpr size_t kMaxSegmentFloats = (size_t{1} << 20) / sizeof(float);
size_t SegmentFloats(size_t count, int world) {
  const size_t half_chunk = ((count + world - 1) / world + 1) / 2;
  return std::clamp(half_chunk, kMinSegmentFloats, kMaxSegmentFloats);
}

// Elements [Begin(c), Begin(c + 1)) form chunk c, owned by rank c.
size_t Begin(size_t count, int world, int chunk) {
  return count * static_cast<size_t>(chunk) / static_cast<size_t>(world);
}

// Time left until `deadline`, at least 1 ms: Gloo reads a negative timeout as "unset" (its
// context default) and 0 as "do not wait".
std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

void WaitRecvs(gloo::transport::UnboundBuffer& buffer, int n, Clock::time_point deadline) {
  for (int i = 0; i < n; ++i) {
    GLOO_ENFORCE(buffer.waitRecv(Remaining(deadline)), "rank-ordered allreduce: recv aborted");
  }
}

void WaitSends(gloo::transport::UnboundBuffer& buffer, int n, Clock::time_point deadline) {
  for (int i = 0; i < n; ++i) {
    GLOO_ENFORCE(buffer.waitSend(Remaining(deadline)), "rank-ordered allreduce: send aborted");
  }
}

}  // namespace

RankOrderedAllreducer::RankOrderedAllreducer(std::shared_ptr<gloo::Context> context)
    : context_(std::move(context)) {}

RankOrderedAllreducer::~RankOrderedAllreducer() = default;

void RankOrderedAllreducer::Run(std::span<float> data, uint32_t tag,
                                std::chrono::milliseconds timeout) {
  const int world = context_->size, me = context_->rank;
  const size_t count = data.size();
  if (world == 1 || count == 0) return;
  const Clock::time_point deadline = Clock::now() + timeout;
  const uint64_t reduce_slot = gloo::Slot::build(kReduceSlotPrefix, tag);
  const uint64_t gather_slot = gloo::Slot::build(kGatherSlotPrefix, tag);
  const size_t mine = Begin(count, world, me);
  const size_t n = Begin(count, world, me + 1) - mine;  // my chunk's length (0 when count < W)
  const size_t max_chunk = (count + world - 1) / world;
  if (scratch_.size() < (world - 1) * max_chunk) scratch_.assign((world - 1) * max_chunk, 0.f);
  // Peer r's contribution to my chunk lands in scratch row r (r < me) or r - 1 (r > me).
  auto row = [&](int r) { return scratch_.data() + (r < me ? r : r - 1) * n; };
  // Segment s of chunk c: elements [Begin(c) + s·segment, ...), both ends compute the same.
  const size_t segment = SegmentFloats(count, world);
  auto segments = [&](int c) {
    const size_t len = Begin(count, world, c + 1) - Begin(count, world, c);
    return (len + segment - 1) / segment;
  };
  auto segment_len = [&](int c, size_t s) {
    const size_t len = Begin(count, world, c + 1) - Begin(count, world, c);
    return std::min(segment, len - s * segment);
  };
  constexpr size_t kF = sizeof(float);

  auto out = context_->createUnboundBuffer(data.data(), data.size_bytes());
  // One receive buffer per peer: a pair delivers a slot's messages in order, so after s + 1
  // completions on peer p's buffer its segments 0..s have arrived.
  peer_rows_.clear();
  int gather_recvs = 0, sends = 0;
  for (int i = 1; i < world; ++i) {  // post every receive first
    const int from = (me + world - i) % world;
    if (n > 0) {
      auto& rows = peer_rows_.emplace_back(context_->createUnboundBuffer(row(from), n * kF));
      for (size_t s = 0; s < segments(me); ++s) {
        rows->recv(from, reduce_slot, s * segment * kF, segment_len(me, s) * kF);
      }
    }
    for (size_t s = 0; s < segments(from); ++s) {
      out->recv(from, gather_slot, (Begin(count, world, from) + s * segment) * kF,
                segment_len(from, s) * kF);
      ++gather_recvs;
    }
  }
  // Reduce-scatter: chunk c to rank c. Segment-major, so that segment s reaches its owner from all
  // peers at about the same time (peer-major order made one peer's whole chunk wait behind the
  // other's, and the owner's first sum wait for half the phase: 3x slower at 64 MiB, p = 3).
  for (size_t s = 0; s < (max_chunk + segment - 1) / segment; ++s) {
    for (int i = 1; i < world; ++i) {
      const int to = (me + i) % world;
      if (s >= segments(to)) continue;
      out->send(to, reduce_slot, (Begin(count, world, to) + s * segment) * kF,
                segment_len(to, s) * kF);
      ++sends;
    }
  }

  // Segment by segment, as soon as every peer's part of it is in: acc := x_0 + x_1 + ... left to
  // right (rank 0's row — or my own chunk if I am rank 0 — accumulates until my own term is added,
  // then my chunk does), then the summed segment goes to every peer (allgather) while later
  // segments are still arriving.
  for (size_t s = 0; s < segments(me); ++s) {
    for (auto& rows : peer_rows_) WaitRecvs(*rows, 1, deadline);
    const size_t off = s * segment, len = segment_len(me, s);
    float* own = data.data() + mine + off;
    float* acc = me == 0 ? own : row(0) + off;
    for (int r = 1; r < world; ++r) {
      const float* term = r == me ? own : row(r) + off;
      float* dst = r >= me ? own : acc;
      for (size_t j = 0; j < len; ++j) dst[j] = acc[j] + term[j];
      if (r == me) acc = own;
    }
    for (int i = 1; i < world; ++i) {
      out->send((me + i) % world, gather_slot, (mine + off) * kF, len * kF);
      ++sends;
    }
  }
  WaitRecvs(*out, gather_recvs, deadline);
  WaitSends(*out, sends, deadline);
  peer_rows_.clear();
}

}  // namespace cascade::collective
