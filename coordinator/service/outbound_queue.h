// OutboundQueue<Message>: the outgoing half of one server stream (a worker session or a scan
// watch). Producers — Coordinator sinks and watchers, on any thread, often with the Coordinator
// lock held — only Push or RequestFinish; the WritePump and the stream's own reactions start the
// gRPC operations, never under the Coordinator lock.
//
// Invariants: at most one operation (a write or the final Finish) is in flight, as the callback
// API allows one outstanding write; Finish is started exactly once, after every queued message was
// written (or dropped because a write failed), and nothing is started after it. gRPC deletes a
// server reactor only after its Finish completed, so the target is alive whenever this starts an
// operation on it.
#pragma once

#include <grpcpp/support/status.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "coordinator/service/write_pump.h"

namespace cascade::coordinator {

template <typename Message>
class OutboundQueue final : public Drivable,
                            public std::enable_shared_from_this<OutboundQueue<Message>> {
 public:
  // The reactor side: starts the gRPC operations.
  class Target {
   public:
    virtual ~Target() = default;
    virtual void StartWriteOp(const Message* message) = 0;
    virtual void FinishOp(const grpc::Status& status) = 0;
  };

  // `max_queued` bounds the memory a client that stops reading can pin: past it the stream is
  // finished with RESOURCE_EXHAUSTED.
  OutboundQueue(WritePump* pump, Target* target, size_t max_queued)
      : pump_(pump), target_(target), max_queued_(max_queued) {}

  // Queues a message; false once the stream is finishing (the producer should unsubscribe).
  bool Push(const Message& message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finish_status_.has_value()) return false;
    if (queue_.size() >= max_queued_) {
      queue_.clear();
      finish_status_ = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          "stream closed: the client did not read " + std::to_string(max_queued_) + " messages");
      ScheduleLocked();
      return false;
    }
    queue_.push_back(message);
    ScheduleLocked();
    return true;
  }

  // Finishes the stream with `status` once the queued messages are written. The first request wins.
  void RequestFinish(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finish_status_.has_value()) finish_status_ = status;
    ScheduleLocked();
  }

  // Runs `start_read` under the queue lock unless Finish was started (no operation may follow
  // Finish, and the reactor may be gone after it). Returns whether it ran.
  template <typename F>
  bool RunIfOpen(F&& start_read) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finish_started_) return false;
    start_read();
    return true;
  }

  bool finish_requested() {
    std::lock_guard<std::mutex> lock(mu_);
    return finish_status_.has_value();
  }

  // Starts the next write, or Finish when the queue is empty and a finish was requested.
  void Drive() override {
    std::unique_lock<std::mutex> lock(mu_);
    scheduled_ = false;
    if (op_in_flight_ || finish_started_) return;
    if (!queue_.empty()) {
      in_flight_ = std::move(queue_.front());
      queue_.pop_front();
      op_in_flight_ = true;
      lock.unlock();
      target_->StartWriteOp(&in_flight_);
      return;
    }
    if (finish_status_.has_value()) {
      finish_started_ = true;
      op_in_flight_ = true;
      const grpc::Status status = *finish_status_;
      lock.unlock();
      target_->FinishOp(status);
    }
  }

  // From the reactor's OnWriteDone. A failed write means the client is gone: drop the rest.
  void OnWriteDone(bool ok) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      op_in_flight_ = false;
      if (!ok) {
        queue_.clear();
        if (!finish_status_.has_value()) {
          finish_status_ =
              grpc::Status(grpc::StatusCode::UNAVAILABLE, "write to the client failed");
        }
      }
    }
    Drive();
  }

 private:
  void ScheduleLocked() {
    if (scheduled_ || op_in_flight_ || finish_started_) return;
    scheduled_ = true;
    pump_->Schedule(this->shared_from_this());
  }

  WritePump* const pump_;
  Target* const target_;
  const size_t max_queued_;
  std::mutex mu_;
  std::deque<Message> queue_;
  Message in_flight_;  // the message of the outstanding write (gRPC reads it until OnWriteDone)
  bool op_in_flight_ = false;
  bool scheduled_ = false;
  bool finish_started_ = false;
  std::optional<grpc::Status> finish_status_;
};

}  // namespace cascade::coordinator
