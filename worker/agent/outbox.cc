#include "worker/agent/outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cascade::worker {

bool Outbox::IsDurable(const v1::WorkerMessage& m) {
  return m.has_validation() || m.has_checkpoint() || m.has_failure() || m.has_finished() ||
         m.has_suspended() || m.has_deregister() || m.has_started();
}

void Outbox::Push(v1::WorkerMessage message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(message));
    TrimLocked();
  }
  cv_.notify_all();
}

void Outbox::PushFront(v1::WorkerMessage message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_front(std::move(message));
    TrimLocked();
  }
  cv_.notify_all();
}

void Outbox::TrimLocked() {
  // Step metrics go first: only the latest few matter and the coordinator has the durable ones'
  // effects nowhere else.
  const size_t limit = max_durable_ + 64;
  while (queue_.size() > limit) {
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [](const v1::WorkerMessage& m) { return !IsDurable(m); });
    if (it == queue_.end()) {
      spdlog::warn("outbox full ({} messages): dropping the oldest {}", queue_.size(),
                   queue_.front().ShortDebugString());
      it = queue_.begin();
    }
    queue_.erase(it);
    ++dropped_;
  }
}

std::optional<v1::WorkerMessage> Outbox::Next(Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, until, [&] { return woken_ || !queue_.empty(); });
  if (woken_) {
    woken_ = false;
    return std::nullopt;
  }
  if (queue_.empty()) return std::nullopt;
  v1::WorkerMessage m = std::move(queue_.front());
  queue_.pop_front();
  return m;
}

void Outbox::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Outbox::DropEphemeral() {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(queue_, [](const v1::WorkerMessage& m) { return !IsDurable(m); });
}

bool Outbox::empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty();
}

size_t Outbox::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t Outbox::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace cascade::worker
