// TrialRunner: the thread, the queue and the public API; Train() is in trial_training.cc.
#include "worker/agent/trial_runner.h"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "worker/agent/trial_reports.h"

namespace cascade::worker {
namespace {

bool SameSlot(const v1::Assignment& a, const v1::Assignment& b) {
  return a.trial_id() == b.trial_id() && a.generation() == b.generation() && a.rank() == b.rank();
}

}  // namespace

TrialRunner::TrialRunner(const AgentOptions& options, Outbox& outbox,
                         std::shared_ptr<grpc::Channel> channel,
                         std::function<std::string()> worker_id, std::function<void()> on_idle,
                         std::string cpu_isa)
    : options_(options),
      outbox_(outbox),
      channel_(std::move(channel)),
      worker_id_(std::move(worker_id)),
      on_idle_(std::move(on_idle)),
      cpu_isa_(std::move(cpu_isa)),
      thread_([this] { Loop(); }) {}

TrialRunner::~TrialRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    abort_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TrialRunner::Start(v1::Assignment assignment) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && SameSlot(*current_, assignment) && !abort_) {
    spdlog::info("assignment {} gen {} rank {} is already running", assignment.trial_id(),
                 assignment.generation(), assignment.rank());
    return;
  }
  if (held_ && SameSlot(held_->assignment, assignment)) {
    spdlog::info("assignment {} gen {} rank {} is suspended already", assignment.trial_id(),
                 assignment.generation(), assignment.rank());
    return;
  }
  if (current_) abort_ = true;  // replaced (regroup or another trial): no report for the old one
  spdlog::info("assignment: trial {} gen {} rank {}/{}{}", assignment.trial_id(),
               assignment.generation(), assignment.rank(), assignment.world_size(),
               assignment.in_place_step() > 0
                   ? " in place from step " + std::to_string(assignment.in_place_step())
                   : std::string());
  pending_ = std::move(assignment);
  cv_.notify_all();
}

void TrialRunner::Stop(const v1::StopTrial& stop) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_ && pending_->trial_id() == stop.trial_id()) {
    outbox_.Push(FinishedMessage(*pending_, 0, 0));  // never started
    pending_.reset();
  }
  if (held_ && held_->assignment.trial_id() == stop.trial_id()) {
    spdlog::info("stop suspended trial {}: {}", stop.trial_id(), stop.reason());
    outbox_.Push(FinishedMessage(held_->assignment, 0, step_));
    held_.reset();
    committed_step_ = 0;
  }
  if (current_ && current_->trial_id() == stop.trial_id()) {
    spdlog::info("stop trial {} (checkpoint {}): {}", stop.trial_id(), stop.checkpoint(),
                 stop.reason());
    stop_checkpoint_ = stop.checkpoint();
    stop_ = true;
  }
}

void TrialRunner::Regroup(const v1::Regroup& regroup) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && current_->trial_id() == regroup.trial_id() &&
      current_->generation() == regroup.generation()) {
    spdlog::info("regroup trial {} gen {}: {}", regroup.trial_id(), regroup.generation(),
                 regroup.reason());
    regroup_ = true;
  }
}

void TrialRunner::Abort() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.reset();
  held_.reset();
  if (current_) abort_ = true;
}

void TrialRunner::Leave() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.reset();
  if (held_) {
    spdlog::info("leaving: dropping suspended trial {}", held_->assignment.trial_id());
    held_.reset();
  }
  if (current_) leave_ = true;
  cv_.notify_all();
}

std::optional<v1::Assignment> TrialRunner::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && !abort_) return current_;
  if (pending_) return pending_;
  if (held_) return held_->assignment;
  return std::nullopt;
}

bool TrialRunner::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_.has_value() || pending_.has_value();
}

void TrialRunner::ResendSuspension() {
  std::lock_guard<std::mutex> lock(mu_);
  if (held_) outbox_.Push(held_->suspended);
}

v1::Heartbeat TrialRunner::TakeHeartbeat() {
  std::lock_guard<std::mutex> lock(mu_);
  v1::Heartbeat hb;
  const v1::Assignment* a = current_ ? &*current_ : held_ ? &held_->assignment : nullptr;
  if (a != nullptr) {
    hb.set_trial_id(a->trial_id());
    hb.set_generation(a->generation());
    hb.set_rank(a->rank());
    hb.set_step(step_);
    hb.set_committed_step(committed_step_);
  }
  if (timed_steps_ > 0) {
    hb.mutable_timing()->set_step_seconds_mean(static_cast<float>(step_seconds_ / timed_steps_));
    hb.mutable_timing()->set_allreduce_wait_seconds_mean(
        static_cast<float>(allreduce_seconds_ / timed_steps_));
    hb.mutable_timing()->set_steps(timed_steps_);
  }
  step_seconds_ = allreduce_seconds_ = 0;
  timed_steps_ = 0;
  return hb;
}

void TrialRunner::RecordStep(int64_t step, double step_seconds, double allreduce_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  step_ = step;
  step_seconds_ += step_seconds;
  allreduce_seconds_ += allreduce_seconds;
  ++timed_steps_;
}

void TrialRunner::RecordCommit(int64_t step) {
  std::lock_guard<std::mutex> lock(mu_);
  committed_step_ = step;
}

void TrialRunner::Loop() {
  if (options_.threads > 0) omp_set_num_threads(options_.threads);  // this thread's OpenMP team
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return shutdown_ || pending_.has_value(); });
    if (shutdown_) return;
    current_ = std::move(pending_);
    pending_.reset();
    const v1::Assignment assignment = *current_;
    // The commit carries over only into the next generation of the same trial, in place.
    std::shared_ptr<const gan::Checkpoint> commit;
    if (held_ && held_->assignment.trial_id() == assignment.trial_id() &&
        assignment.in_place_step() > 0) {
      commit = held_->commit;
    } else {
      step_ = 0;
      committed_step_ = 0;
    }
    held_.reset();
    stop_ = abort_ = leave_ = regroup_ = false;
    stop_checkpoint_ = false;
    lock.unlock();
    Train(assignment, std::move(commit));
    lock.lock();
    current_.reset();
    if (!pending_ && !shutdown_) {
      lock.unlock();
      on_idle_();
      lock.lock();
    }
  }
}

}  // namespace cascade::worker
