// RendezvousServiceImpl over a real in-process gRPC server on 127.0.0.1:0: auth, prefixes,
// write-once keys, blocking gets and deadlines.
#include "coordinator/rendezvous/rendezvous_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <mutex>

#include "common/rpc/token_registry.h"

namespace cascade::coordinator {
namespace {

constexpr char kWorkerToken[] = "worker-secret";
constexpr char kUserToken[] = "user-secret";

class RendezvousServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_ = std::make_unique<rpc::Authenticator>(rpc::TokenRegistry(
        {{.name = "pool", .role = rpc::Role::kWorker, .sha256_hex = rpc::HashToken(kWorkerToken)},
         {.name = "alice", .role = rpc::Role::kUser, .sha256_hex = rpc::HashToken(kUserToken)}}));
    prefixes_["w-1"] = "trial/t1/gen/0";
    prefixes_["w-2"] = "trial/t1/gen/0";
    service_ = std::make_unique<RendezvousServiceImpl>(
        *auth_, [this](const std::string& id) -> std::optional<std::string> {
          std::lock_guard<std::mutex> lock(mu_);
          auto it = prefixes_.find(id);
          if (it == prefixes_.end()) return std::nullopt;
          return it->second;
        });
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::RendezvousService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                               grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  static void Prepare(grpc::ClientContext& ctx, const std::string& worker,
                      const std::string& token = kWorkerToken) {
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    if (!worker.empty()) ctx.AddMetadata("x-cascade-worker-id", worker);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  grpc::Status Set(const std::string& worker, const std::string& key, const std::string& value,
                   const std::string& token = kWorkerToken) {
    grpc::ClientContext ctx;
    Prepare(ctx, worker, token);
    v1::SetRequest req;
    req.set_key(key);
    req.set_value(value);
    v1::SetResponse resp;
    return stub_->Set(&ctx, req, &resp);
  }
  grpc::Status Get(const std::string& worker, const std::string& key, std::string* value,
                   int timeout_ms = 20000) {
    grpc::ClientContext ctx;
    Prepare(ctx, worker);
    v1::GetRequest req;
    req.set_key(key);
    req.mutable_timeout()->set_nanos(0);
    req.mutable_timeout()->set_seconds(timeout_ms / 1000);
    req.mutable_timeout()->set_nanos((timeout_ms % 1000) * 1000000);
    v1::GetResponse resp;
    grpc::Status st = stub_->Get(&ctx, req, &resp);
    if (value) *value = resp.value();
    return st;
  }

  std::mutex mu_;
  std::map<std::string, std::string> prefixes_;
  std::unique_ptr<rpc::Authenticator> auth_;
  std::unique_ptr<RendezvousServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RendezvousService::Stub> stub_;
};

TEST_F(RendezvousServiceTest, SetThenGetAcrossWorkersOfTheGroup) {
  ASSERT_TRUE(Set("w-1", "trial/t1/gen/0/rank_0", "addr0").ok());
  std::string value;
  grpc::Status st = Get("w-2", "trial/t1/gen/0/rank_0", &value);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(value, "addr0");
}

TEST_F(RendezvousServiceTest, GetBlocksUntilAnotherWorkerSets) {
  auto got = std::async(std::launch::async, [&] {
    std::string value;
    grpc::Status st = Get("w-2", "trial/t1/gen/0/late", &value);
    return std::make_pair(st.error_code(), value);
  });
  ASSERT_TRUE(Set("w-1", "trial/t1/gen/0/late", "here").ok());
  auto [code, value] = got.get();
  EXPECT_EQ(code, grpc::StatusCode::OK);
  EXPECT_EQ(value, "here");
}

TEST_F(RendezvousServiceTest, SecondSetIsAlreadyExists) {
  ASSERT_TRUE(Set("w-1", "trial/t1/gen/0/k", "a").ok());
  EXPECT_EQ(Set("w-2", "trial/t1/gen/0/k", "b").error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(RendezvousServiceTest, KeysOutsideTheAssignmentAreDenied) {
  EXPECT_EQ(Set("w-1", "trial/t1/gen/1/k", "a").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Set("w-1", "trial/t1/gen/0", "a").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Set("w-9", "trial/t1/gen/0/k", "a").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Set("", "trial/t1/gen/0/k", "a").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  std::string value;
  EXPECT_EQ(Get("w-1", "trial/t2/gen/0/k", &value).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RendezvousServiceTest, OnlyWorkerTokensMayUseTheStore) {
  EXPECT_EQ(Set("w-1", "trial/t1/gen/0/k", "a", kUserToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Set("w-1", "trial/t1/gen/0/k", "a", "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Set("w-1", "trial/t1/gen/0/k", "a", "wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(RendezvousServiceTest, GetPastItsTimeoutIsDeadlineExceeded) {
  std::string value;
  grpc::Status st = Get("w-1", "trial/t1/gen/0/never", &value, 100);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_NE(st.error_message().find("trial/t1/gen/0/never"), std::string::npos);
}

TEST_F(RendezvousServiceTest, WaitNamesTheMissingKeys) {
  ASSERT_TRUE(Set("w-1", "trial/t1/gen/0/a", "1").ok());
  grpc::ClientContext ctx;
  Prepare(ctx, "w-1");
  v1::WaitRequest req;
  req.add_keys("trial/t1/gen/0/a");
  req.add_keys("trial/t1/gen/0/b");
  req.mutable_timeout()->set_nanos(100000000);
  v1::WaitResponse resp;
  grpc::Status st = stub_->Wait(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_NE(st.error_message().find("trial/t1/gen/0/b"), std::string::npos);
}

TEST_F(RendezvousServiceTest, ClientDeadlineEndsAnUntimedGet) {
  grpc::ClientContext ctx;
  Prepare(ctx, "w-1");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  v1::GetRequest req;
  req.set_key("trial/t1/gen/0/never");
  v1::GetResponse resp;
  EXPECT_EQ(stub_->Get(&ctx, req, &resp).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The blocked call must not keep the server from shutting down (TearDown).
}

TEST_F(RendezvousServiceTest, DroppedGenerationCanBeWrittenAgain) {
  ASSERT_TRUE(Set("w-1", "trial/t1/gen/0/k", "a").ok());
  service_->store().DropPrefix("trial/t1/gen/0");
  EXPECT_TRUE(Set("w-1", "trial/t1/gen/0/k", "b").ok());
}

}  // namespace
}  // namespace cascade::coordinator
