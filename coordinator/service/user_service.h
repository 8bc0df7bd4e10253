// UserServiceImpl: the gRPC face of the Coordinator's user API (proto cascade.v1.UserService).
// Every RPC authorizes first (role user; admin passes), makes one Coordinator call and converts
// the Status; handlers hold no state of their own. Unary RPCs run on gRPC's sync thread pool (a
// Coordinator call may wait on SQLite); WatchScan is a callback-API stream (WatchReactor), so an
// idle watcher costs no thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <string>
#include <vector>

#include "cascade/v1/user_service.grpc.pb.h"
#include "common/rpc/authenticator.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/rpc_metrics.h"
#include "coordinator/service/write_pump.h"

namespace cascade::coordinator {

class UserServiceImpl final
    : public v1::UserService::WithCallbackMethod_WatchScan<v1::UserService::Service> {
 public:
  // Every pointer must outlive the grpc::Server this service is registered on.
  UserServiceImpl(Coordinator* coordinator, rpc::Authenticator* auth, WritePump* pump,
                  RpcMetrics* metrics, size_t max_queued_events = 10000);

  // The names this service records in RpcMetrics.
  static std::vector<std::string> MetricMethods();

  grpc::Status SubmitScan(grpc::ServerContext* context, const v1::SubmitScanRequest* request,
                          v1::SubmitScanResponse* response) override;
  grpc::Status ListScans(grpc::ServerContext* context, const v1::ListScansRequest* request,
                         v1::ListScansResponse* response) override;
  grpc::Status GetScan(grpc::ServerContext* context, const v1::GetScanRequest* request,
                       v1::GetScanResponse* response) override;
  grpc::Status CancelScan(grpc::ServerContext* context, const v1::CancelScanRequest* request,
                          v1::CancelScanResponse* response) override;
  grpc::Status PauseScan(grpc::ServerContext* context, const v1::PauseScanRequest* request,
                         v1::PauseScanResponse* response) override;
  grpc::Status ResumeScan(grpc::ServerContext* context, const v1::ResumeScanRequest* request,
                          v1::ResumeScanResponse* response) override;
  grpc::Status ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest* request,
                           v1::ListWorkersResponse* response) override;
  grpc::Status GetTrial(grpc::ServerContext* context, const v1::GetTrialRequest* request,
                        v1::GetTrialResponse* response) override;
  grpc::Status ListMetrics(grpc::ServerContext* context, const v1::ListMetricsRequest* request,
                           v1::ListMetricsResponse* response) override;
  grpc::ServerWriteReactor<v1::ScanEvent>* WatchScan(grpc::CallbackServerContext* context,
                                                     const v1::WatchScanRequest* request) override;

 private:
  // Authorize, call, convert: the shape of every unary RPC. `call` gets the caller and returns
  // StatusOr<Response>.
  template <typename Response, typename Call>
  grpc::Status Unary(grpc::ServerContext* context, const char* method, Response* response,
                     Call&& call);

  Coordinator* const coordinator_;
  rpc::Authenticator* const auth_;
  WritePump* const pump_;
  RpcMetrics* const metrics_;
  const size_t max_queued_events_;
};

}  // namespace cascade::coordinator
