#include "worker/agent/worker_agent.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/rpc/channel.h"
#include "common/rpc/grpc_status.h"

namespace cascade::worker {
namespace {

using Clock = std::chrono::steady_clock;

// After the last message of a drain, how long the coordinator gets to close the stream.
constexpr auto kCloseGrace = std::chrono::seconds(5);

bool Fatal(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnauthenticated ||
         status.code() == absl::StatusCode::kPermissionDenied ||
         status.code() == absl::StatusCode::kInvalidArgument;
}

}  // namespace

WorkerAgent::WorkerAgent(AgentOptions options, std::shared_ptr<grpc::Channel> channel,
                         v1::WorkerInfo info)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(v1::WorkerService::NewStub(channel_)),
      info_(std::move(info)),
      outbox_(options_.max_buffered),
      runner_(std::make_unique<TrialRunner>(
          options_, outbox_, channel_, [this] { return worker_id(); },
          [this] {
            outbox_.Wake();  // the writer re-checks whether a drain is complete
            wake_.notify_all();
          },
          info_.cpu_isa())) {}

WorkerAgent::~WorkerAgent() { runner_.reset(); }

std::string WorkerAgent::worker_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return worker_id_;
}

void WorkerAgent::Drain() {
  if (!draining_.exchange(true)) {
    spdlog::info("draining: the group commits and lets this worker go at the next step");
  }
  runner_->Leave();
  outbox_.Wake();
  wake_.notify_all();
}

bool WorkerAgent::DrainComplete() const { return draining_ && !runner_->busy() && outbox_.empty(); }

void WorkerAgent::SleepUnlessDraining(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, duration, [&] { return DrainComplete(); });
}

absl::Status WorkerAgent::Run() {
  std::chrono::milliseconds backoff(100);
  while (true) {
    if (DrainComplete()) return absl::OkStatus();
    absl::Status status = Register();
    bool welcomed = false;
    if (status.ok()) {
      status = RunSession(&welcomed);
      if (status.ok()) return status;  // drained and closed
    } else if (Fatal(status)) {
      return status;
    }
    if (welcomed) backoff = std::chrono::milliseconds(100);
    outbox_.DropEphemeral();
    if (draining_ && !runner_->busy()) {
      // Nothing left to train and the coordinator is unreachable: leave rather than hang.
      spdlog::warn("drained while the coordinator is unreachable ({}); {} message(s) undelivered",
                   std::string(status.message()), outbox_.size());
      return absl::OkStatus();
    }
    spdlog::warn("coordinator {}: {}; retrying in {} ms", options_.coordinator.address,
                 std::string(status.message()), backoff.count());
    SleepUnlessDraining(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status WorkerAgent::Register() {
  grpc::ClientContext context;
  rpc::PrepareContext(context, options_.coordinator.token, options_.rpc_timeout);
  v1::RegisterRequest request;
  *request.mutable_info() = info_;
  request.set_worker_id(worker_id());
  const std::optional<v1::Assignment> current = runner_->current();
  if (current) *request.mutable_current() = *current;
  v1::RegisterResponse response;
  grpc::Status status = stub_->Register(&context, request, &response);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  {
    std::lock_guard<std::mutex> lock(mu_);
    worker_id_ = response.worker_id();
    heartbeat_ms_ = response.heartbeat_interval_ms() > 0 ? response.heartbeat_interval_ms() : 1000;
  }
  spdlog::info("registered as {} with {}{}", response.worker_id(), options_.coordinator.address,
               current ? absl::StrCat(" (re-attaching trial ", current->trial_id(), ": ",
                                      response.keep_current() ? "kept" : "dropped", ")")
                       : "");
  if (current && !response.keep_current()) runner_->Abort();
  if (current && response.keep_current()) runner_->ResendSuspension();
  return absl::OkStatus();
}

absl::Status WorkerAgent::RunSession(bool* welcomed) {
  grpc::ClientContext context;
  rpc::PrepareContext(context, options_.coordinator.token);
  std::unique_ptr<Stream> stream = stub_->Session(&context);
  v1::WorkerMessage hello;
  hello.mutable_hello()->set_worker_id(worker_id());
  v1::CoordinatorMessage first;
  if (!stream->Write(hello) || !stream->Read(&first)) {
    context.TryCancel();
    grpc::Status status = stream->Finish();
    return absl::UnavailableError(absl::StrCat("session refused: ", status.error_message()));
  }
  if (!first.has_welcome()) {
    context.TryCancel();
    stream->Finish();
    return absl::UnavailableError("session: the first message was not a welcome");
  }
  *welcomed = true;
  int interval_ms = first.welcome().heartbeat_interval_ms();
  if (interval_ms <= 0) {
    std::lock_guard<std::mutex> lock(mu_);
    interval_ms = heartbeat_ms_;
  }
  spdlog::info("session open (heartbeat every {} ms)", interval_ms);
  std::atomic<bool> ending{false}, drained{false};
  std::thread writer([&] {
    WriterLoop(*stream, context, std::chrono::milliseconds(interval_ms), ending, drained);
  });
  v1::CoordinatorMessage message;
  while (stream->Read(&message)) Handle(message);
  ending = true;
  outbox_.Wake();
  context.TryCancel();  // unblocks a writer stuck in Write on a dead connection
  writer.join();
  grpc::Status status = stream->Finish();
  if (drained) {
    spdlog::info("drained: session closed");
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("session lost: ", status.error_message()));
}

void WorkerAgent::WriterLoop(Stream& stream, grpc::ClientContext& context,
                             std::chrono::milliseconds interval, const std::atomic<bool>& ending,
                             std::atomic<bool>& drained) {
  auto next_heartbeat = Clock::now();
  while (!ending) {
    if (DrainComplete()) {
      drained = true;
      v1::WorkerMessage bye;
      bye.mutable_deregister()->set_reason("drained (SIGTERM, Slurm time limit or Drain command)");
      stream.Write(bye);  // the coordinator marks this worker GONE and closes the session
      stream.WritesDone();
      const auto give_up = Clock::now() + kCloseGrace;
      while (!ending && Clock::now() < give_up) {
        if (auto m = outbox_.Next(Clock::now() + std::chrono::milliseconds(100))) {
          outbox_.PushFront(*std::move(m));  // too late for this session
        }
      }
      if (!ending) context.TryCancel();  // the coordinator did not close: stop waiting
      return;
    }
    std::optional<v1::WorkerMessage> m = outbox_.Next(next_heartbeat);
    if (ending) {
      if (m) outbox_.PushFront(*std::move(m));
      return;
    }
    if (m) {
      if (!stream.Write(*m)) {
        outbox_.PushFront(*std::move(m));
        context.TryCancel();
        return;
      }
      continue;
    }
    if (Clock::now() < next_heartbeat) continue;  // woken: re-check the drain
    v1::WorkerMessage heartbeat;
    *heartbeat.mutable_heartbeat() = runner_->TakeHeartbeat();
    const absl::Time now = absl::Now();
    heartbeat.mutable_heartbeat()->mutable_sent_at()->set_seconds(absl::ToUnixSeconds(now));
    heartbeat.mutable_heartbeat()->mutable_sent_at()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(now - absl::FromUnixSeconds(absl::ToUnixSeconds(now)))));
    if (!stream.Write(heartbeat)) {
      context.TryCancel();
      return;
    }
    next_heartbeat = Clock::now() + interval;
  }
}

void WorkerAgent::Handle(const v1::CoordinatorMessage& message) {
  switch (message.kind_case()) {
    case v1::CoordinatorMessage::kAssignment:
      if (draining_) {
        spdlog::warn("draining: ignoring assignment of trial {}", message.assignment().trial_id());
        return;
      }
      runner_->Start(message.assignment());
      return;
    case v1::CoordinatorMessage::kCommand:
      if (message.command().has_stop_trial()) runner_->Stop(message.command().stop_trial());
      if (message.command().has_regroup()) runner_->Regroup(message.command().regroup());
      if (message.command().has_drain()) Drain();
      return;
    default:
      return;  // a repeated welcome, or a kind this version does not know
  }
}

}  // namespace cascade::worker
