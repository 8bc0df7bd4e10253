// A scripted WorkerService for agent tests: registers workers, records every message a worker
// sends with the session it came on, sends whatever the test queues, and can drop a session.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "cascade/v1/worker_service.grpc.pb.h"

namespace cascade::worker::testing {

struct Received {
  int session = 0;  // 1-based, counted over all workers
  std::string worker_id;
  v1::WorkerMessage message;
};

class FakeCoordinator final : public v1::WorkerService::Service {
 public:
  std::atomic<bool> keep_current{true};  // answer to a re-attaching Register

  grpc::Status Register(grpc::ServerContext*, const v1::RegisterRequest* request,
                        v1::RegisterResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    registers_.push_back(*request);
    // Fresh workers get w-7, w-8, ... in registration order.
    response->set_worker_id(request->worker_id().empty() ? "w-" + std::to_string(7 + fresh_++)
                                                         : request->worker_id());
    response->set_heartbeat_interval_ms(50);
    response->set_keep_current(keep_current.load());
    cv_.notify_all();
    return grpc::Status::OK;
  }

  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>* stream) override {
    v1::WorkerMessage hello;
    if (!stream->Read(&hello) || !hello.has_hello()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "hello first");
    }
    v1::CoordinatorMessage welcome;
    welcome.mutable_welcome()->set_heartbeat_interval_ms(50);
    stream->Write(welcome);
    int session = 0;
    const std::string worker = hello.hello().worker_id();
    {
      std::lock_guard<std::mutex> lock(mu_);
      session = ++sessions_;
      hellos_.push_back(worker);
      active_[worker] = context;
    }
    bool done = false;
    std::thread writer([&] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!done) {
        auto& queue = outgoing_[worker];
        if (queue.empty()) {
          cv_.wait_for(lock, std::chrono::milliseconds(20));
          continue;
        }
        v1::CoordinatorMessage m = queue.front();
        queue.pop_front();
        lock.unlock();
        stream->Write(m);
        lock.lock();
      }
    });
    v1::WorkerMessage message;
    while (stream->Read(&message)) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back({session, worker, message});
      cv_.notify_all();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      done = true;
      if (active_[worker] == context) active_.erase(worker);
      ended_sessions_++;
      cv_.notify_all();
    }
    writer.join();
    return grpc::Status::OK;
  }

  // Queues a message for `worker`'s current or next session.
  void Send(v1::CoordinatorMessage message, const std::string& worker = "w-7") {
    std::lock_guard<std::mutex> lock(mu_);
    outgoing_[worker].push_back(std::move(message));
    cv_.notify_all();
  }
  // Breaks `worker`'s open session, as a coordinator restart would.
  void DropSession(const std::string& worker = "w-7") {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = active_.find(worker); it != active_.end()) it->second->TryCancel();
  }

  // Waits (bounded by a generous limit that only a broken agent reaches) until `done` holds.
  bool WaitUntil(const std::function<bool()>& done,
                 std::chrono::seconds limit = std::chrono::seconds(300)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, done);
  }
  // Messages so far, filtered; call with the lock NOT held (or inside WaitUntil's predicate via
  // the *Locked variants).
  std::vector<Received> ReceivedLocked(bool (v1::WorkerMessage::*has)() const) const {
    std::vector<Received> out;
    for (const auto& r : received_) {
      if ((r.message.*has)()) out.push_back(r);
    }
    return out;
  }
  std::vector<Received> Messages(bool (v1::WorkerMessage::*has)() const) {
    std::lock_guard<std::mutex> lock(mu_);
    return ReceivedLocked(has);
  }
  std::vector<v1::RegisterRequest> registers() {
    std::lock_guard<std::mutex> lock(mu_);
    return registers_;
  }
  std::vector<std::string> hellos() {
    std::lock_guard<std::mutex> lock(mu_);
    return hellos_;
  }
  int ended_sessions_locked() const { return ended_sessions_; }
  int sessions_locked() const { return sessions_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::RegisterRequest> registers_;
  std::vector<std::string> hellos_;
  std::vector<Received> received_;
  std::map<std::string, std::deque<v1::CoordinatorMessage>> outgoing_;
  int fresh_ = 0;
  std::map<std::string, grpc::ServerContext*> active_;  // open session per worker
  int sessions_ = 0;
  int ended_sessions_ = 0;
};

// One epoch of `steps` steps of batch 2 of the tiny model on 2 x 60 simulated showers
// (validation 8 showers),
// rank 0 of a group of 1, checkpoints under `checkpoint_dir`.
inline v1::Assignment TinyAssignment(const std::string& trial, int64_t steps,
                                     const std::string& checkpoint_dir) {
  v1::Assignment a;
  a.set_trial_id(trial);
  a.set_generation(0);
  a.set_rank(0);
  a.set_world_size(1);
  (*a.mutable_hparams())["lr"].set_double_value(1e-3);
  (*a.mutable_hparams())["batch_per_worker"].set_int_value(2);
  a.set_seed(5);
  a.mutable_model()->set_filters(v1::MODEL_FILTERS_TINY);  // plumbing, not physics
  auto* sim = a.mutable_data()->mutable_simulate();
  sim->set_events(120);
  sim->set_files(2);
  sim->set_energy_min_gev(10);
  sim->set_energy_max_gev(100);
  sim->set_seed(3);
  a.set_max_epochs(1);
  a.set_steps_per_epoch(steps);
  a.set_validation_events(8);
  a.set_checkpoint_dir(checkpoint_dir);
  a.set_rendezvous_prefix("trial/" + trial + "/gen/0");
  return a;
}

inline v1::CoordinatorMessage AssignmentMessage(const v1::Assignment& a) {
  v1::CoordinatorMessage m;
  *m.mutable_assignment() = a;
  return m;
}

inline v1::CoordinatorMessage StopMessage(const std::string& trial, bool checkpoint) {
  v1::CoordinatorMessage m;
  m.mutable_command()->mutable_stop_trial()->set_trial_id(trial);
  m.mutable_command()->mutable_stop_trial()->set_checkpoint(checkpoint);
  return m;
}

}  // namespace cascade::worker::testing
