#include "coordinator/service/session_reactor.h"

#include <spdlog/spdlog.h>

#include <string>

#include "absl/time/clock.h"
#include "common/rpc/grpc_status.h"
#include "coordinator/service/rpc_metrics.h"
#include "coordinator/service/worker_service.h"

namespace cascade::coordinator {
namespace {

const char* KindName(v1::WorkerMessage::KindCase kind) {
  switch (kind) {
    case v1::WorkerMessage::kHello:
      return "hello";
    case v1::WorkerMessage::kHeartbeat:
      return "heartbeat";
    case v1::WorkerMessage::kStepMetrics:
      return "step_metrics";
    case v1::WorkerMessage::kValidation:
      return "validation";
    case v1::WorkerMessage::kCheckpoint:
      return "checkpoint";
    case v1::WorkerMessage::kFailure:
      return "failure";
    case v1::WorkerMessage::kFinished:
      return "finished";
    case v1::WorkerMessage::kSuspended:
      return "suspended";
    case v1::WorkerMessage::kDeregister:
      return "deregister";
    case v1::WorkerMessage::kStarted:
      return "started";
    case v1::WorkerMessage::KIND_NOT_SET:
      break;
  }
  return "empty";
}

// The RpcMetrics name of a message kind: a literal, because RpcTimer keeps a view of it.
const char* MetricName(v1::WorkerMessage::KindCase kind) {
  switch (kind) {
    case v1::WorkerMessage::kHello:
      return "WorkerService/Session.hello";
    case v1::WorkerMessage::kHeartbeat:
      return "WorkerService/Session.heartbeat";
    case v1::WorkerMessage::kStepMetrics:
      return "WorkerService/Session.step_metrics";
    case v1::WorkerMessage::kValidation:
      return "WorkerService/Session.validation";
    case v1::WorkerMessage::kCheckpoint:
      return "WorkerService/Session.checkpoint";
    case v1::WorkerMessage::kFailure:
      return "WorkerService/Session.failure";
    case v1::WorkerMessage::kFinished:
      return "WorkerService/Session.finished";
    case v1::WorkerMessage::kSuspended:
      return "WorkerService/Session.suspended";
    case v1::WorkerMessage::kDeregister:
      return "WorkerService/Session.deregister";
    case v1::WorkerMessage::kStarted:
      return "WorkerService/Session.started";
    case v1::WorkerMessage::KIND_NOT_SET:
      break;
  }
  return "WorkerService/Session.empty";
}

}  // namespace

// What the Coordinator holds: queues messages, and remembers that it closed the stream itself.
class SessionReactor::Sink final : public SessionSink {
 public:
  explicit Sink(std::shared_ptr<OutboundQueue<v1::CoordinatorMessage>> queue)
      : queue_(std::move(queue)) {}
  void Send(const v1::CoordinatorMessage& message) override { queue_->Push(message); }
  void Close(const absl::Status& status) override {
    closed_by_coordinator_.store(true);
    queue_->RequestFinish(rpc::ToGrpcStatus(status));
  }
  bool closed_by_coordinator() const { return closed_by_coordinator_.load(); }

 private:
  std::shared_ptr<OutboundQueue<v1::CoordinatorMessage>> queue_;
  std::atomic<bool> closed_by_coordinator_{false};
};

SessionReactor::SessionReactor(WorkerServiceImpl* service)
    : service_(service),
      queue_(std::make_shared<OutboundQueue<v1::CoordinatorMessage>>(
          service->pump(), this, service->max_queued_messages())),
      sink_(std::make_shared<Sink>(queue_)) {}

std::vector<std::string> SessionReactor::MessageKinds() {
  return {"hello", "heartbeat", "step_metrics", "validation", "checkpoint", "failure", "finished"};
}

void SessionReactor::Start(const absl::Status& auth) {
  if (!auth.ok()) {
    ended_ = true;
    queue_->RequestFinish(rpc::ToGrpcStatus(auth));
    return;
  }
  ReadNext();
}

void SessionReactor::ReadNext() {
  // Once Finish was started (Sink::Close, or cancellation) no read may follow: the stream is over.
  if (!queue_->RunIfOpen([this] { StartRead(&in_); })) End(grpc::Status::OK);
}

void SessionReactor::OnReadDone(bool ok) {
  if (!ok) {  // half-close, cancellation or network error
    End(grpc::Status::OK);
    return;
  }
  if (ended_) return;
  RpcTimer timer(service_->metrics(), MetricName(in_.kind_case()));
  if (!opened_) {
    HandleHello();
  } else {
    HandleMessage();
  }
  if (!ended_) ReadNext();
}

void SessionReactor::HandleHello() {
  if (!in_.has_hello() || in_.hello().worker_id().empty()) {
    End(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                     "the first session message must be hello with the worker id"));
    return;
  }
  worker_id_ = in_.hello().worker_id();
  session_id_ = service_->NextSessionId();
  service_->SetCurrentSession(worker_id_, session_id_);
  const absl::Status status = service_->coordinator()->OpenSession(worker_id_, sink_, absl::Now());
  if (!status.ok()) {
    service_->EndSession(worker_id_, session_id_, /*notify=*/false);
    End(rpc::ToGrpcStatus(status));
    return;
  }
  opened_ = true;
  spdlog::debug("worker {}: session opened", worker_id_);
}

void SessionReactor::HandleMessage() {
  const absl::Status status =
      service_->coordinator()->HandleWorkerMessage(worker_id_, in_, absl::Now());
  if (status.ok()) return;
  // A message about a trial the worker no longer owns is stale, not fatal: the worker learns the
  // truth from the next assignment or command. Anything else ends the session.
  if (absl::IsInvalidArgument(status)) {
    if (!warned_) {
      spdlog::warn(
          "worker {}: rejected {} message: {} (further rejections of this session are "
          "not logged)",
          worker_id_, KindName(in_.kind_case()), std::string(status.message()));
      warned_ = true;
    }
    return;
  }
  spdlog::warn("worker {}: session ended: {}", worker_id_, status.ToString());
  End(rpc::ToGrpcStatus(status));
}

void SessionReactor::End(const grpc::Status& status) {
  if (ended_) return;
  ended_ = true;
  if (opened_) {
    service_->EndSession(worker_id_, session_id_, !sink_->closed_by_coordinator());
    spdlog::debug("worker {}: session closed", worker_id_);
  }
  queue_->RequestFinish(status);
}

void SessionReactor::OnWriteDone(bool ok) { queue_->OnWriteDone(ok); }

void SessionReactor::OnCancel() {
  // The outstanding read fails and ends the session in OnReadDone; finishing here as well covers
  // a stream that is between reads.
  queue_->RequestFinish(grpc::Status(grpc::StatusCode::CANCELLED, "session cancelled"));
}

void SessionReactor::OnDone() { delete this; }

void SessionReactor::StartWriteOp(const v1::CoordinatorMessage* message) { StartWrite(message); }

void SessionReactor::FinishOp(const grpc::Status& status) { Finish(status); }

}  // namespace cascade::coordinator
