#include "coordinator/service/server.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cascade::coordinator {
namespace {

std::vector<std::string> AllMetricMethods() {
  std::vector<std::string> names = UserServiceImpl::MetricMethods();
  for (std::string& name : WorkerServiceImpl::MetricMethods()) names.push_back(std::move(name));
  return names;
}

}  // namespace

CoordinatorServer::CoordinatorServer(Coordinator* coordinator, rpc::Authenticator* auth,
                                     ServerOptions options)
    : coordinator_(coordinator),
      options_(std::move(options)),
      metrics_(AllMetricMethods()),
      user_service_(coordinator, auth, &pump_, &metrics_),
      worker_service_(coordinator, auth, &pump_, &metrics_) {}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> CoordinatorServer::Start(
    Coordinator* coordinator, rpc::Authenticator* auth, const ServerOptions& options,
    const std::vector<grpc::Service*>& extra_services) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      rpc::MakeServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<CoordinatorServer> server(new CoordinatorServer(coordinator, auth, options));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, *credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Workers keep one idle stream for hours; let their keepalive pings through.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.RegisterService(&server->user_service_);
  builder.RegisterService(&server->worker_service_);
  for (grpc::Service* service : extra_services) builder.RegisterService(service);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use, or not an address of this host?)"));
  }
  server->tick_thread_ = std::thread([s = server.get()] { s->TickLoop(); });
  spdlog::info("coordinator listening on {} (port {}, {})", options.listen_address, server->port_,
               options.tls.cert.empty() ? "plain TCP" : "TLS");
  return server;
}

CoordinatorServer::~CoordinatorServer() { Shutdown(); }

void CoordinatorServer::TickLoop() {
  const auto period = absl::ToChronoMilliseconds(options_.tick_period);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, period, [this] { return stopping_; })) break;
    lock.unlock();
    coordinator_->Tick(absl::Now());
    lock.lock();
  }
}

void CoordinatorServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (server_ != nullptr) {
    worker_service_.BeginShutdown();
    spdlog::info("coordinator shutting down");
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(options_.shutdown_grace));
    server_->Wait();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (tick_thread_.joinable()) tick_thread_.join();
}

}  // namespace cascade::coordinator
