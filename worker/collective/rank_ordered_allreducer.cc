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

  auto out = context_->createUnboundBuffer(data.data(), data.size_bytes());
  std::unique_ptr<gloo::transport::UnboundBuffer> tmp;
  if (n > 0) tmp = context_->createUnboundBuffer(scratch_.data(), (world - 1) * n * sizeof(float));
  int reduce_recvs = 0, gather_recvs = 0, reduce_sends = 0;
  for (int i = 1; i < world; ++i) {  // post every receive first
    const int from = (me + world - i) % world;
    const size_t from_begin = Begin(count, world, from);
    const size_t from_n = Begin(count, world, from + 1) - from_begin;
    if (n > 0) {
      tmp->recv(from, reduce_slot, (row(from) - scratch_.data()) * sizeof(float),
                n * sizeof(float));
      ++reduce_recvs;
    }
    if (from_n > 0) {
      out->recv(from, gather_slot, from_begin * sizeof(float), from_n * sizeof(float));
      ++gather_recvs;
    }
  }
  for (int i = 1; i < world; ++i) {  // reduce-scatter: chunk c to rank c
    const int to = (me + i) % world;
    const size_t to_begin = Begin(count, world, to);
    const size_t to_n = Begin(count, world, to + 1) - to_begin;
    if (to_n > 0) {
      out->send(to, reduce_slot, to_begin * sizeof(float), to_n * sizeof(float));
      ++reduce_sends;
    }
  }
  if (tmp) WaitRecvs(*tmp, reduce_recvs, deadline);
  WaitSends(*out, reduce_sends, deadline);

  // acc := x_0 + x_1 + ... left to right; rank 0's row (or my own chunk, if I am rank 0) is the
  // accumulator until my own term is added, after which my chunk is.
  float* own = data.data() + mine;
  float* acc = me == 0 ? own : row(0);
  for (int r = 1; r < world; ++r) {
    const float* term = r == me ? own : row(r);
    float* dst = r >= me ? own : acc;
    for (size_t j = 0; j < n; ++j) dst[j] = acc[j] + term[j];
    if (r == me) acc = own;
  }

  int gather_sends = 0;
  if (n > 0) {
    for (int i = 1; i < world; ++i) {
      out->send((me + i) % world, gather_slot, mine * sizeof(float), n * sizeof(float));
      ++gather_sends;
    }
  }
  WaitRecvs(*out, gather_recvs, deadline);
  WaitSends(*out, gather_sends, deadline);
}

}  // namespace cascade::collective
