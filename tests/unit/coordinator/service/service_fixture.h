// An in-process coordinator for service tests: a real Coordinator over an in-memory StateStore,
// the gRPC server on 127.0.0.1:0 and a fixed token registry (worker "wtok", user "utok", admin
// "atok"). Stubs for each role's calls.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "cascade/v1/user_service.grpc.pb.h"
#include "cascade/v1/worker_service.grpc.pb.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/channel.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/server.h"
#include "coordinator/state/state_store.h"
#include "gtest/gtest.h"

namespace cascade::coordinator::testing {

inline constexpr char kWorkerToken[] = "wtok";
inline constexpr char kUserToken[] = "utok";
inline constexpr char kAdminToken[] = "atok";

// A scan that passes validation: one grid point, tiny simulated data.
inline constexpr char kValidSpec[] = R"(name: svc-test
data:
  simulate: {events: 100, files: 2}
searcher:
  name: grid
epochs: 1
)";

inline rpc::TokenRegistry TestTokens() {
  return rpc::TokenRegistry(
      {{"pool", rpc::Role::kWorker, rpc::HashToken(kWorkerToken), absl::InfiniteFuture(), false},
       {"alice", rpc::Role::kUser, rpc::HashToken(kUserToken), absl::InfiniteFuture(), false},
       {"root", rpc::Role::kAdmin, rpc::HashToken(kAdminToken), absl::InfiniteFuture(), false}});
}

class ServiceFixture : public ::testing::Test {
 protected:
  // Tests that need other timeouts or TLS set these before calling StartServer().
  CoordinatorOptions coordinator_options_;
  ServerOptions server_options_;

  void SetUp() override {}

  void StartServer() {
    auto store = StateStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status();
    auto coordinator = Coordinator::Create(*std::move(store), coordinator_options_, absl::Now());
    ASSERT_TRUE(coordinator.ok()) << coordinator.status();
    coordinator_ = *std::move(coordinator);
    auth_ = std::make_unique<rpc::Authenticator>(TestTokens());
    server_options_.listen_address = "127.0.0.1:0";
    server_options_.shutdown_grace = absl::Milliseconds(200);
    auto server = CoordinatorServer::Start(coordinator_.get(), auth_.get(), server_options_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    if (server_options_.tls.cert.empty()) {
      rpc::ClientOptions options;
      options.address = Address();
      auto channel = rpc::MakeChannel(options);
      ASSERT_TRUE(channel.ok()) << channel.status();
      user_ = v1::UserService::NewStub(*channel);
      worker_ = v1::WorkerService::NewStub(*channel);
    }
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    coordinator_.reset();
  }

  std::string Address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  // A client of 127.0.0.1 (no DNS lookup: c-ares leaks a few bytes per process under LSan) that
  // checks the certificate for `server_name` ("" = the address).
  rpc::ClientOptions Options(const std::string& server_name, const std::string& tls_ca) const {
    rpc::ClientOptions options;
    options.address = "127.0.0.1:" + std::to_string(server_->port());
    options.tls_server_name = server_name;
    options.token = kUserToken;
    options.tls_ca = tls_ca;
    return options;
  }

  static void Prepare(grpc::ClientContext& context, const std::string& token) {
    rpc::PrepareContext(context, token, std::chrono::seconds(20));
  }

  grpc::Status Submit(const std::string& token, const std::string& spec,
                      v1::SubmitScanResponse* response) {
    grpc::ClientContext context;
    Prepare(context, token);
    v1::SubmitScanRequest request;
    request.set_spec_yaml(spec);
    return user_->SubmitScan(&context, request, response);
  }

  grpc::Status Register(const std::string& token, v1::RegisterResponse* response) {
    grpc::ClientContext context;
    Prepare(context, token);
    v1::RegisterRequest request;
    request.mutable_info()->set_hostname("test-host");
    request.mutable_info()->set_cpus(2);
    return worker_->Register(&context, request, response);
  }

  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<rpc::Authenticator> auth_;
  std::unique_ptr<CoordinatorServer> server_;
  std::unique_ptr<v1::UserService::Stub> user_;
  std::unique_ptr<v1::WorkerService::Stub> worker_;
};

}  // namespace cascade::coordinator::testing
