// WorkerServiceImpl: the gRPC face of the Coordinator's worker API (proto
// cascade.v1.WorkerService), role worker. Register is a unary call on the sync pool; Session is a
// callback-API bidi stream (SessionReactor), so 10 000 idle sessions cost no thread each.
//
// It also remembers which session of a worker is the current one: a worker that reconnects opens
// a new session before the old stream's end is noticed, and the late end of the old stream must
// not mark the re-attached worker LOST.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cascade/v1/worker_service.grpc.pb.h"
#include "common/rpc/authenticator.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/rpc_metrics.h"
#include "coordinator/service/write_pump.h"

namespace cascade::coordinator {

class WorkerServiceImpl final
    : public v1::WorkerService::WithCallbackMethod_Session<v1::WorkerService::Service> {
 public:
  // Every pointer must outlive the grpc::Server this service is registered on.
  WorkerServiceImpl(Coordinator* coordinator, rpc::Authenticator* auth, WritePump* pump,
                    RpcMetrics* metrics, size_t max_queued_messages = 1000);

  // The names this service records in RpcMetrics.
  static std::vector<std::string> MetricMethods();

  grpc::Status Register(grpc::ServerContext* context, const v1::RegisterRequest* request,
                        v1::RegisterResponse* response) override;
  grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>* Session(
      grpc::CallbackServerContext* context) override;

  // From now on, ending streams do not mark their workers LOST: the coordinator is stopping, and
  // after a restart every worker re-attaches within the grace window anyway.
  void BeginShutdown() { shutting_down_.store(true); }

  // --- for SessionReactor ---
  Coordinator* coordinator() { return coordinator_; }
  rpc::Authenticator* auth() { return auth_; }
  WritePump* pump() { return pump_; }
  RpcMetrics* metrics() { return metrics_; }
  size_t max_queued_messages() const { return max_queued_messages_; }
  // Makes `session` the current session of `worker_id`.
  void SetCurrentSession(const std::string& worker_id, uint64_t session);
  // Forgets `session`; if it was still the current one of `worker_id` and `notify`, calls
  // Coordinator::CloseSession (not when the Coordinator itself closed the stream).
  void EndSession(const std::string& worker_id, uint64_t session, bool notify);
  uint64_t NextSessionId() { return next_session_.fetch_add(1) + 1; }

 private:
  Coordinator* const coordinator_;
  rpc::Authenticator* const auth_;
  WritePump* const pump_;
  RpcMetrics* const metrics_;
  const size_t max_queued_messages_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<uint64_t> next_session_{0};
  std::mutex sessions_mu_;
  std::map<std::string, uint64_t> current_session_;  // worker id -> session id
};

}  // namespace cascade::coordinator
