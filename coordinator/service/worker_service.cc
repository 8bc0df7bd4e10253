#include "coordinator/service/worker_service.h"

#include <utility>

#include "absl/time/clock.h"
#include "common/rpc/grpc_status.h"
#include "coordinator/service/session_reactor.h"

namespace cascade::coordinator {

WorkerServiceImpl::WorkerServiceImpl(Coordinator* coordinator, rpc::Authenticator* auth,
                                     WritePump* pump, RpcMetrics* metrics,
                                     size_t max_queued_messages)
    : coordinator_(coordinator),
      auth_(auth),
      pump_(pump),
      metrics_(metrics),
      max_queued_messages_(max_queued_messages) {}

std::vector<std::string> WorkerServiceImpl::MetricMethods() {
  std::vector<std::string> names = {"WorkerService/Register", "WorkerService/Session"};
  for (const std::string& kind : SessionReactor::MessageKinds()) {
    names.push_back("WorkerService/Session." + kind);
  }
  return names;
}

grpc::Status WorkerServiceImpl::Register(grpc::ServerContext* context,
                                         const v1::RegisterRequest* request,
                                         v1::RegisterResponse* response) {
  RpcTimer timer(metrics_, "WorkerService/Register");
  absl::StatusOr<rpc::Principal> caller =
      auth_->Authorize(*context, {rpc::Role::kWorker}, "Register");
  if (!caller.ok()) return rpc::ToGrpcStatus(caller.status());
  absl::StatusOr<v1::RegisterResponse> result =
      coordinator_->Register(*caller, *request, absl::Now());
  if (!result.ok()) return rpc::ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>* WorkerServiceImpl::Session(
    grpc::CallbackServerContext* context) {
  RpcTimer timer(metrics_, "WorkerService/Session");
  auto* reactor = new SessionReactor(this);
  reactor->Start(auth_->Authorize(*context, {rpc::Role::kWorker}, "Session").status());
  return reactor;
}

void WorkerServiceImpl::SetCurrentSession(const std::string& worker_id, uint64_t session) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  current_session_[worker_id] = session;
}

void WorkerServiceImpl::EndSession(const std::string& worker_id, uint64_t session, bool notify) {
  // Held across CloseSession so a reconnecting worker's SetCurrentSession cannot slip between the
  // check and the close (the Coordinator never calls back into this service, so no lock cycle).
  std::lock_guard<std::mutex> lock(sessions_mu_);
  auto it = current_session_.find(worker_id);
  if (it == current_session_.end() || it->second != session) return;
  current_session_.erase(it);
  if (!notify || shutting_down_.load()) return;
  coordinator_->CloseSession(worker_id, absl::Now());
}

}  // namespace cascade::coordinator
