// Coordinator: worker registration, sessions, binding workers to groups (Bind/Release) and the
// dispatch of the messages workers send.
#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/checkpoint_gc.h"
#include "coordinator/core/coordinator_impl.h"
#include "coordinator/core/spec_mapping.h"
#include "spdlog/spdlog.h"

namespace cascade::coordinator {
namespace {

int IntervalMs(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

absl::Status NotAssigned(const WorkerRuntime& w, const std::string& trial_id) {
  return absl::InvalidArgumentError(absl::StrCat("worker ", w.worker.id(),
                                                 " is not assigned trial '", trial_id,
                                                 "' (current: '", w.worker.trial_id(), "')"));
}

}  // namespace

bool Coordinator::Impl::IsCurrentMember(const WorkerRuntime& w) const {
  if (!w.bound()) return false;
  auto it = trials.find(w.worker.trial_id());
  if (it == trials.end()) return false;
  const v1::Trial& t = it->second->trial;
  return t.state() == v1::TRIAL_STATE_RUNNING && t.generation() == w.worker.generation() &&
         w.worker.rank() < t.worker_ids_size() && t.worker_ids(w.worker.rank()) == w.worker.id();
}

void Coordinator::Impl::Release(Change& ch, WorkerRuntime& w) {
  TouchWorker(ch, w);
  w.worker.clear_trial_id();
  w.worker.set_generation(0);
  w.worker.set_rank(0);
  w.assignment_delivered = false;
  w.worker.set_suspended_generation(0);
  w.worker.set_suspend_cause(v1::SUSPEND_CAUSE_UNSPECIFIED);
  w.committed_step = 0;
  w.timing_generation = 0;
  w.straggler.Reset();
  if (w.worker.state() == v1::WORKER_STATE_BUSY) w.worker.set_state(v1::WORKER_STATE_IDLE);
}

void Coordinator::Impl::Bind(Change& ch, WorkerRuntime& w, const TrialRuntime& t, int rank) {
  TouchWorker(ch, w);
  w.worker.set_state(v1::WORKER_STATE_BUSY);
  w.worker.set_trial_id(t.trial.id());
  w.worker.set_generation(t.trial.generation());
  w.worker.set_rank(rank);
  w.worker.set_suspended_generation(0);
  w.worker.set_suspend_cause(v1::SUSPEND_CAUSE_UNSPECIFIED);
  w.assignment_delivered = false;
  w.timing_generation = 0;
  w.straggler.Reset();
  ch.after_commit.push_back([this, id = w.worker.id()] {
    auto it = workers.find(id);
    if (it != workers.end()) SendAssignmentIfDue(it->second);
  });
}

void Coordinator::Impl::SendAssignmentIfDue(WorkerRuntime& w) {
  if (w.assignment_delivered || w.sink == nullptr || !IsCurrentMember(w)) return;
  const TrialRuntime& t = *trials.at(w.worker.trial_id());
  const ScanRuntime* s = scans.at(t.trial.scan_id()).get();
  if (!s->spec.has_value()) return;
  v1::CoordinatorMessage msg;
  *msg.mutable_assignment() = BuildAssignment(*s, t, w.worker.rank());
  w.sink->Send(msg);
  w.assignment_delivered = true;
}

void Coordinator::Impl::NoteProgress(TrialRuntime& t, int64_t step, absl::Time now) {
  if (step <= t.last_step) return;
  t.last_step = step;
  t.last_progress = now;
  t.trial.set_steps_completed(step);  // persisted with the trial's next state change
}

absl::StatusOr<v1::RegisterResponse> Coordinator::Register(const rpc::Principal& caller,
                                                           const v1::RegisterRequest& request,
                                                           absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  v1::RegisterResponse response;
  response.set_heartbeat_interval_ms(IntervalMs(im.options.heartbeat_interval));
  auto it = request.worker_id().empty() ? im.workers.end() : im.workers.find(request.worker_id());
  if (it == im.workers.end()) {
    v1::Worker worker;
    *worker.mutable_info() = request.info();
    worker.set_state(v1::WORKER_STATE_IDLE);
    *worker.mutable_registered_at() = TimeToProto(now);
    *worker.mutable_last_heartbeat() = TimeToProto(now);
    CASCADE_ASSIGN_OR_RETURN(v1::Worker stored, im.store->InsertWorker(worker));
    WorkerRuntime& w = im.workers[stored.id()];
    w.worker = stored;
    w.alive_until = now + im.options.heartbeat_timeout;
    w.last_heartbeat = now;
    response.set_worker_id(stored.id());
    spdlog::info("coordinator: worker {} registered ({} pid {}, {} cpus, by {})", stored.id(),
                 request.info().hostname(), request.info().pid(), request.info().cpus(),
                 caller.name);
    return response;
  }
  WorkerRuntime& w = it->second;
  const v1::Assignment& cur = request.current();
  const bool keep = request.has_current() && im.IsCurrentMember(w) &&
                    w.worker.trial_id() == cur.trial_id() &&
                    w.worker.generation() == cur.generation() && w.worker.rank() == cur.rank();
  // The coordinator re-formed the group (in place) while the worker was away: it keeps its
  // binding and its commit (keep_current: a suspended worker keeps waiting), and gets the newer
  // generation's assignment when its session opens.
  const bool newer = request.has_current() && im.IsCurrentMember(w) &&
                     w.worker.trial_id() == cur.trial_id() &&
                     w.worker.generation() > cur.generation();
  CASCADE_RETURN_IF_ERROR(im.Commit(
      [&](Change& ch) {
        im.TouchWorker(ch, w);
        *w.worker.mutable_info() = request.info();
        w.alive_until = now + im.options.heartbeat_timeout;
        w.last_heartbeat = now;
        if (w.sink != nullptr) {
          // The old stream is dead or about to be: the worker opens a new session next.
          ch.after_commit.push_back(
              [sink = w.sink] { sink->Close(absl::AbortedError("worker registered again")); });
          w.sink.reset();
        }
        if (keep || newer) {
          w.worker.set_state(v1::WORKER_STATE_BUSY);
          w.assignment_delivered = !newer;
          return absl::OkStatus();
        }
        const bool was_member = im.IsCurrentMember(w);
        TrialRuntime* t = w.bound() ? im.FindTrial(w.worker.trial_id()) : nullptr;
        if (w.bound()) im.Release(ch, w);
        w.worker.set_state(v1::WORKER_STATE_IDLE);
        if (was_member && t != nullptr) {
          return im.RestartOrFail(
              ch, *im.ScanOf(*t), *t,
              absl::StrCat("worker ", w.worker.id(), " re-registered without its assignment"), now);
        }
        return absl::OkStatus();
      },
      now));
  response.set_worker_id(w.worker.id());
  response.set_keep_current(keep || newer);
  spdlog::info("coordinator: worker {} re-attached (keep_current={})", w.worker.id(), keep);
  return response;
}

absl::Status Coordinator::OpenSession(const std::string& worker_id,
                                      std::shared_ptr<SessionSink> sink, absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.workers.find(worker_id);
  if (it == im.workers.end() || it->second.worker.state() == v1::WORKER_STATE_GONE) {
    return absl::FailedPreconditionError(
        absl::StrCat("unknown or expired worker id '", worker_id, "': register again"));
  }
  WorkerRuntime& w = it->second;
  CASCADE_RETURN_IF_ERROR(im.Commit(
      [&](Change& ch) {
        im.TouchWorker(ch, w);
        if (w.sink != nullptr && w.sink != sink) {
          ch.after_commit.push_back(
              [old = w.sink] { old->Close(absl::AbortedError("replaced by a new session")); });
        }
        w.sink = sink;
        w.stream_ended = false;
        w.alive_until = now + im.options.heartbeat_timeout;
        w.last_heartbeat = now;
        if (w.worker.state() == v1::WORKER_STATE_LOST ||
            w.worker.state() == v1::WORKER_STATE_IDLE) {
          w.worker.set_state(w.bound() ? v1::WORKER_STATE_BUSY : v1::WORKER_STATE_IDLE);
        }
        return absl::OkStatus();
      },
      now));
  v1::CoordinatorMessage welcome;
  welcome.mutable_welcome()->set_heartbeat_interval_ms(IntervalMs(im.options.heartbeat_interval));
  sink->Send(welcome);
  im.SendAssignmentIfDue(w);
  return absl::OkStatus();
}

void Coordinator::CloseSession(const std::string& worker_id, absl::Time now) {
  CloseSession(worker_id, nullptr, now);
}

void Coordinator::CloseSession(const std::string& worker_id, const SessionSink* sink,
                               absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.workers.find(worker_id);
  if (it == im.workers.end()) return;
  WorkerRuntime& w = it->second;
  if (w.sink == nullptr || (sink != nullptr && w.sink.get() != sink)) return;  // stale stream
  absl::Status st = im.Commit(
      [&](Change& ch) {
        im.TouchWorker(ch, w);
        w.sink.reset();
        w.stream_ended = true;
        if (w.worker.state() != v1::WORKER_STATE_GONE) {
          w.worker.set_state(v1::WORKER_STATE_LOST);
          w.lost_since = now;
        }
        return absl::OkStatus();
      },
      now);
  if (!st.ok()) spdlog::error("coordinator: closing session of {}: {}", worker_id, st.ToString());
  spdlog::info("coordinator: worker {} session closed", worker_id);
}

absl::Status Coordinator::HandleWorkerMessage(const std::string& worker_id,
                                              const v1::WorkerMessage& message, absl::Time now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.workers.find(worker_id);
  if (it == im.workers.end() || it->second.worker.state() == v1::WORKER_STATE_GONE ||
      it->second.sink == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("worker '", worker_id, "' has no open session: register again"));
  }
  WorkerRuntime& w = it->second;
  w.alive_until = now + im.options.heartbeat_timeout;
  w.last_heartbeat = now;
  if (w.worker.state() == v1::WORKER_STATE_LOST) {  // silent for a while, but back
    CASCADE_RETURN_IF_ERROR(im.Commit(
        [&](Change& ch) {
          im.TouchWorker(ch, w);
          w.worker.set_state(w.bound() ? v1::WORKER_STATE_BUSY : v1::WORKER_STATE_IDLE);
          return absl::OkStatus();
        },
        now));
  }
  switch (message.kind_case()) {
    case v1::WorkerMessage::kHeartbeat: {
      ++im.heartbeats_total;
      const v1::Heartbeat& hb = message.heartbeat();
      if (hb.trial_id().empty() || hb.trial_id() != w.worker.trial_id()) return absl::OkStatus();
      // A suspended member's commit is the one its GroupSuspended named (the plan's input).
      if (w.worker.suspended_generation() != w.worker.generation()) {
        w.committed_step = hb.committed_step();
      }
      // Only the generation being trained: a suspended survivor's heartbeats of the old one
      // must not move the new generation's step.
      if (im.IsCurrentMember(w) && hb.generation() == w.worker.generation()) {
        im.NoteProgress(*im.FindTrial(hb.trial_id()), hb.step(), now);
        if (hb.timing().steps() > 0) im.OnTiming(w, hb.timing());
      }
      return absl::OkStatus();
    }
    case v1::WorkerMessage::kStepMetrics:
      im.OnStepMetrics(w, message.step_metrics(), now);
      return absl::OkStatus();
    case v1::WorkerMessage::kValidation:
      if (message.validation().trial_id() != w.worker.trial_id()) {
        return NotAssigned(w, message.validation().trial_id());
      }
      return im.OnValidation(w, message.validation(), now);
    case v1::WorkerMessage::kCheckpoint:
      if (message.checkpoint().trial_id() != w.worker.trial_id()) {
        return NotAssigned(w, message.checkpoint().trial_id());
      }
      return im.OnCheckpoint(w, message.checkpoint(), now);
    case v1::WorkerMessage::kFailure:
      if (message.failure().trial_id() != w.worker.trial_id()) {
        return NotAssigned(w, message.failure().trial_id());
      }
      return im.OnFailure(w, message.failure(), now);
    case v1::WorkerMessage::kFinished:
      if (message.finished().trial_id() != w.worker.trial_id()) {
        return NotAssigned(w, message.finished().trial_id());
      }
      return im.OnFinished(w, message.finished(), now);
    case v1::WorkerMessage::kSuspended:
      if (message.suspended().trial_id() != w.worker.trial_id()) {
        return NotAssigned(w, message.suspended().trial_id());
      }
      return im.OnSuspended(w, message.suspended(), now);
    case v1::WorkerMessage::kDeregister:
      return im.OnDeregister(w, message.deregister(), now);
    case v1::WorkerMessage::kStarted:
      if (message.started().trial_id() != w.worker.trial_id()) {
        return NotAssigned(w, message.started().trial_id());
      }
      return im.OnStarted(w, message.started(), now);
    case v1::WorkerMessage::kHello:
    case v1::WorkerMessage::KIND_NOT_SET:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace cascade::coordinator
