#include "bench/coordinator_load/sim_worker.h"

#include "common/rpc/channel.h"

namespace cascade::bench {

SimWorker::SimWorker(std::string worker_id, LatencyRecorder* write_latency)
    : worker_id_(std::move(worker_id)), write_latency_(write_latency) {}

void SimWorker::Start(v1::WorkerService::Stub* stub, const std::string& token) {
  rpc::PrepareContext(context_, token);
  stub->async()->Session(&context_, this);
  // The driver thread writes from outside any reaction: the hold keeps the stream (and this
  // object) alive until Stop.
  AddHold();
  out_.Clear();
  out_.mutable_hello()->set_worker_id(worker_id_);
  out_is_heartbeat_ = false;
  writing_.store(true);
  StartWrite(&out_);
  StartRead(&in_);
  StartCall();
}

bool SimWorker::SendHeartbeat(int step_every) {
  if (!welcomed_.load() || done_.load()) return false;
  bool expected = false;
  if (!writing_.compare_exchange_strong(expected, true)) return false;
  out_.Clear();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++heartbeats_;
    if (!trial_id_.empty()) ++step_;
    if (!trial_id_.empty() && rank_ == 0 && step_every > 0 && heartbeats_ % step_every == 0) {
      auto* metrics = out_.mutable_step_metrics();
      metrics->set_trial_id(trial_id_);
      auto* m = metrics->mutable_metrics();
      m->set_step(step_);
      m->set_generation(generation_);
      m->set_world_size(world_size_);
      m->set_discriminator_loss_real(0.5f);
      m->set_discriminator_loss_fake(0.6f);
      m->set_generator_loss(3.0f);
      m->set_step_seconds(0.8f);
      m->set_steps_aggregated(step_every);
      steps_sent_.fetch_add(1);
      out_is_heartbeat_ = false;
    } else {
      auto* heartbeat = out_.mutable_heartbeat();
      heartbeat->set_trial_id(trial_id_);
      heartbeat->set_generation(generation_);
      heartbeat->set_rank(rank_);
      heartbeat->set_step(step_);
      out_is_heartbeat_ = true;
    }
  }
  write_started_ = std::chrono::steady_clock::now();
  StartWrite(&out_);
  return true;
}

void SimWorker::OnWriteDone(bool ok) {
  if (ok && out_is_heartbeat_) {
    write_latency_->Add(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - write_started_).count());
  }
  writing_.store(false);
}

void SimWorker::OnReadDone(bool ok) {
  if (!ok) return;  // stream over; OnDone follows
  if (in_.has_welcome()) welcomed_.store(true);
  if (in_.has_assignment()) {
    std::lock_guard<std::mutex> lock(mu_);
    const v1::Assignment& a = in_.assignment();
    trial_id_ = a.trial_id();
    generation_ = a.generation();
    rank_ = a.rank();
    world_size_ = a.world_size();
    has_trial_.store(true);
  }
  if (in_.has_command() && in_.command().has_stop_trial()) {
    std::lock_guard<std::mutex> lock(mu_);
    trial_id_.clear();
    has_trial_.store(false);
  }
  StartRead(&in_);
}

void SimWorker::OnDone(const grpc::Status&) {
  std::lock_guard<std::mutex> lock(mu_);
  done_.store(true);
  done_cv_.notify_all();
}

void SimWorker::Stop() {
  context_.TryCancel();
  // A write still in flight completes (failed) before OnDone; the hold is ours to drop.
  RemoveHold();
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [this] { return done_.load(); });
}

}  // namespace cascade::bench
