// Authorize on a real server context: a one-method service checks the caller's role the way
// every coordinator service does, so the header handling is tested end to end over gRPC.
#include <grpcpp/grpcpp.h>

#include "cascade/v1/rendezvous_service.grpc.pb.h"
#include "common/rpc/authenticator.h"
#include "common/rpc/channel.h"
#include "common/rpc/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::rpc {
namespace {

using ::testing::HasSubstr;

class WorkerOnly final : public v1::RendezvousService::Service {
 public:
  explicit WorkerOnly(Authenticator& auth) : auth_(auth) {}
  grpc::Status Set(grpc::ServerContext* ctx, const v1::SetRequest*, v1::SetResponse*) override {
    return ToGrpcStatus(auth_.Authorize(*ctx, {Role::kWorker}, "Set").status());
  }
  grpc::Status Get(grpc::ServerContext* ctx, const v1::GetRequest*, v1::GetResponse*) override {
    return ToGrpcStatus(auth_.Authorize(*ctx, {Role::kUser}, "Get").status());
  }

 private:
  Authenticator& auth_;
};

class AuthorizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_ = std::make_unique<Authenticator>(
        TokenRegistry({{"w", Role::kWorker, HashToken("wtok"), absl::InfiniteFuture(), false},
                       {"u", Role::kUser, HashToken("utok"), absl::InfiniteFuture(), false},
                       {"a", Role::kAdmin, HashToken("atok"), absl::InfiniteFuture(), false}}));
    service_ = std::make_unique<WorkerOnly>(*auth_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_GT(port, 0);
    stub_ = v1::RendezvousService::NewStub(
        *MakeChannel({.address = "127.0.0.1:" + std::to_string(port)}));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status CallSet(const std::string& token) {
    grpc::ClientContext ctx;
    PrepareContext(ctx, token, std::chrono::seconds(10));
    v1::SetResponse resp;
    return stub_->Set(&ctx, {}, &resp);
  }
  grpc::Status CallGet(const std::string& token) {
    grpc::ClientContext ctx;
    PrepareContext(ctx, token, std::chrono::seconds(10));
    v1::GetResponse resp;
    return stub_->Get(&ctx, {}, &resp);
  }

  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<WorkerOnly> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RendezvousService::Stub> stub_;
};

TEST_F(AuthorizeTest, RolesAndTokens) {
  EXPECT_TRUE(CallSet("wtok").ok());
  grpc::Status none = CallSet("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("no authorization"));
  EXPECT_EQ(CallSet("guess").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status user = CallSet("utok");
  EXPECT_EQ(user.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(user.error_message(), HasSubstr("Set: token \"u\" has role user; needs worker"));
  // An admin passes wherever a user does, never where only a worker does.
  EXPECT_TRUE(CallGet("atok").ok());
  EXPECT_EQ(CallSet("atok").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CallGet("wtok").error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthorizeTest, GarbledHeaderIsUnauthenticated) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Basic d3Rvaw==");
  v1::SetResponse resp;
  grpc::Status st = stub_->Set(&ctx, {}, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(st.error_message(), HasSubstr("not 'Bearer <token>'"));
}

}  // namespace
}  // namespace cascade::rpc
