// CoordinatorServer: the coordinator's network process around one Coordinator — the gRPC server
// (user and worker services, plus any extra service such as the rendezvous store), its
// credentials and message limits, the WritePump that streams queued messages, and the thread that
// calls Coordinator::Tick every `tick_period`. Shutdown stops accepting calls, gives open calls
// `shutdown_grace` to end, cancels the rest (worker sessions never end on their own) and joins.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/server_credentials.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/rpc_metrics.h"
#include "coordinator/service/user_service.h"
#include "coordinator/service/worker_service.h"
#include "coordinator/service/write_pump.h"

namespace cascade::coordinator {

struct ServerOptions {
  std::string listen_address = "0.0.0.0:7070";  // "host:port"; port 0 picks a free port
  rpc::ServerTlsOptions tls;                    // empty = plain TCP
  int max_message_bytes = 64 << 20;             // both directions (large GetScan/ListMetrics)
  absl::Duration tick_period = absl::Milliseconds(100);
  absl::Duration shutdown_grace = absl::Seconds(2);
};

class CoordinatorServer {
 public:
  // Registers the services, listens and starts ticking. `coordinator`, `auth` and every extra
  // service must outlive the server. Unavailable naming the address if it cannot listen;
  // the credentials' errors (naming the file) as they are.
  static absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(
      Coordinator* coordinator, rpc::Authenticator* auth, const ServerOptions& options,
      const std::vector<grpc::Service*>& extra_services = {});
  ~CoordinatorServer();  // Shutdown()

  CoordinatorServer(const CoordinatorServer&) = delete;
  CoordinatorServer& operator=(const CoordinatorServer&) = delete;

  int port() const { return port_; }
  RpcMetrics* metrics() { return &metrics_; }

  // Idempotent; returns when every call and the tick thread have ended.
  void Shutdown();

 private:
  CoordinatorServer(Coordinator* coordinator, rpc::Authenticator* auth, ServerOptions options);
  void TickLoop();

  Coordinator* const coordinator_;
  const ServerOptions options_;
  // Declaration order is destruction order reversed: the pump and metrics outlive the services,
  // which outlive the server.
  WritePump pump_;
  RpcMetrics metrics_;
  UserServiceImpl user_service_;
  WorkerServiceImpl worker_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread tick_thread_;
};

}  // namespace cascade::coordinator
