// Outbox: the messages a worker owes the coordinator, between the threads that produce them
// (trial runner) and the session's writer thread. Survives session loss: durable messages
// (validation, checkpoint notice, failure, finished, group suspended/started, deregister — the
// coordinator's state depends on them)
// wait for the next session; step metrics are dropped when the session is lost (stale) or when
// the outbox is full. Bounded to max_durable + 64 messages: step metrics are dropped first, then
// the oldest durable message, with a warning. Heartbeats are not queued: the writer makes them
// when due. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "cascade/v1/worker_service.pb.h"

namespace cascade::worker {

class Outbox {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Outbox(size_t max_durable) : max_durable_(max_durable) {}

  static bool IsDurable(const v1::WorkerMessage& message);

  void Push(v1::WorkerMessage message);
  // Puts back a message whose write failed, ahead of everything else (keeps the order).
  void PushFront(v1::WorkerMessage message);
  // The next message; nullopt at `until` or after Wake().
  std::optional<v1::WorkerMessage> Next(Clock::time_point until);
  // Makes a pending (or the next) Next() return nullopt: the session is ending or the agent's
  // state changed (drain, trial done).
  void Wake();
  // The session was lost: step metrics in the queue are stale.
  void DropEphemeral();
  bool empty() const;
  size_t size() const;
  size_t dropped() const;

 private:
  void TrimLocked();

  const size_t max_durable_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::WorkerMessage> queue_;
  bool woken_ = false;
  size_t dropped_ = 0;
};

}  // namespace cascade::worker
