#include "coordinator/service/user_service.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "common/rpc/grpc_status.h"
#include "coordinator/service/watch_reactor.h"

namespace cascade::coordinator {
namespace {

constexpr const char* kUnaryMethods[] = {"SubmitScan",  "ListScans",  "GetScan",     "CancelScan",
                                         "PauseScan",   "ResumeScan", "ListWorkers", "GetTrial",
                                         "ListMetrics", "WatchScan"};

std::string MetricName(const char* method) { return std::string("UserService/") + method; }

}  // namespace

UserServiceImpl::UserServiceImpl(Coordinator* coordinator, rpc::Authenticator* auth,
                                 WritePump* pump, RpcMetrics* metrics, size_t max_queued_events)
    : coordinator_(coordinator),
      auth_(auth),
      pump_(pump),
      metrics_(metrics),
      max_queued_events_(max_queued_events) {}

std::vector<std::string> UserServiceImpl::MetricMethods() {
  std::vector<std::string> names;
  for (const char* method : kUnaryMethods) names.push_back(MetricName(method));
  return names;
}

template <typename Response, typename Call>
grpc::Status UserServiceImpl::Unary(grpc::ServerContext* context, const char* method,
                                    Response* response, Call&& call) {
  const std::string metric = MetricName(method);
  RpcTimer timer(metrics_, metric);
  absl::StatusOr<rpc::Principal> caller = auth_->Authorize(*context, {rpc::Role::kUser}, method);
  if (!caller.ok()) return rpc::ToGrpcStatus(caller.status());
  absl::StatusOr<Response> result = call(*caller);
  if (!result.ok()) return rpc::ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status UserServiceImpl::SubmitScan(grpc::ServerContext* context,
                                         const v1::SubmitScanRequest* request,
                                         v1::SubmitScanResponse* response) {
  return Unary(context, "SubmitScan", response, [&](const rpc::Principal& caller) {
    return coordinator_->SubmitScan(caller, *request, absl::Now());
  });
}

grpc::Status UserServiceImpl::ListScans(grpc::ServerContext* context,
                                        const v1::ListScansRequest* request,
                                        v1::ListScansResponse* response) {
  return Unary(context, "ListScans", response,
               [&](const rpc::Principal&) { return coordinator_->ListScans(*request); });
}

grpc::Status UserServiceImpl::GetScan(grpc::ServerContext* context,
                                      const v1::GetScanRequest* request,
                                      v1::GetScanResponse* response) {
  return Unary(context, "GetScan", response,
               [&](const rpc::Principal&) { return coordinator_->GetScan(*request); });
}

grpc::Status UserServiceImpl::CancelScan(grpc::ServerContext* context,
                                         const v1::CancelScanRequest* request,
                                         v1::CancelScanResponse* response) {
  return Unary(context, "CancelScan", response, [&](const rpc::Principal&) {
    return coordinator_->CancelScan(*request, absl::Now());
  });
}

grpc::Status UserServiceImpl::PauseScan(grpc::ServerContext* context,
                                        const v1::PauseScanRequest* request,
                                        v1::PauseScanResponse* response) {
  return Unary(context, "PauseScan", response, [&](const rpc::Principal&) {
    return coordinator_->PauseScan(*request, absl::Now());
  });
}

grpc::Status UserServiceImpl::ResumeScan(grpc::ServerContext* context,
                                         const v1::ResumeScanRequest* request,
                                         v1::ResumeScanResponse* response) {
  return Unary(context, "ResumeScan", response, [&](const rpc::Principal&) {
    return coordinator_->ResumeScan(*request, absl::Now());
  });
}

grpc::Status UserServiceImpl::ListWorkers(grpc::ServerContext* context,
                                          const v1::ListWorkersRequest* request,
                                          v1::ListWorkersResponse* response) {
  return Unary(context, "ListWorkers", response,
               [&](const rpc::Principal&) { return coordinator_->ListWorkers(*request); });
}

grpc::Status UserServiceImpl::GetTrial(grpc::ServerContext* context,
                                       const v1::GetTrialRequest* request,
                                       v1::GetTrialResponse* response) {
  return Unary(context, "GetTrial", response,
               [&](const rpc::Principal&) { return coordinator_->GetTrial(*request); });
}

grpc::Status UserServiceImpl::ListMetrics(grpc::ServerContext* context,
                                          const v1::ListMetricsRequest* request,
                                          v1::ListMetricsResponse* response) {
  return Unary(context, "ListMetrics", response,
               [&](const rpc::Principal&) { return coordinator_->ListMetrics(*request); });
}

grpc::ServerWriteReactor<v1::ScanEvent>* UserServiceImpl::WatchScan(
    grpc::CallbackServerContext* context, const v1::WatchScanRequest* request) {
  RpcTimer timer(metrics_, "UserService/WatchScan");
  auto* reactor = new WatchReactor(coordinator_, pump_, max_queued_events_);
  absl::StatusOr<rpc::Principal> caller =
      auth_->Authorize(*context, {rpc::Role::kUser}, "WatchScan");
  reactor->Start(caller.status(), *request);
  return reactor;
}

}  // namespace cascade::coordinator
