// The role matrix of the coordinator's services over real gRPC, and the spec error a user sees.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/service/service_fixture.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::HasSubstr;

class AuthTest : public ServiceFixture {
 protected:
  void SetUp() override { StartServer(); }

  grpc::Status ListScans(const std::string& token) {
    grpc::ClientContext context;
    if (!token.empty()) Prepare(context, token);
    v1::ListScansResponse response;
    return user_->ListScans(&context, {}, &response);
  }
};

TEST_F(AuthTest, MissingOrUnknownTokenIsUnauthenticated) {
  EXPECT_EQ(ListScans("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListScans("not-a-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::RegisterResponse registered;
  EXPECT_EQ(Register("not-a-token", &registered).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, WorkerTokenCannotSubmit) {
  v1::SubmitScanResponse response;
  grpc::Status status = Submit(kWorkerToken, kValidSpec, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("SubmitScan"));
}

TEST_F(AuthTest, UserTokenCannotRegister) {
  v1::RegisterResponse response;
  grpc::Status status = Register(kUserToken, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("Register"));
  EXPECT_EQ(Register(kAdminToken, &response).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthTest, UserAndAdminMayUseUserRpcs) {
  EXPECT_TRUE(ListScans(kUserToken).ok());
  EXPECT_TRUE(ListScans(kAdminToken).ok());
  v1::SubmitScanResponse response;
  grpc::Status status = Submit(kAdminToken, kValidSpec, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.scan().id().empty());
  EXPECT_EQ(response.scan().owner(), "root");
}

TEST_F(AuthTest, WorkerTokenMayRegister) {
  v1::RegisterResponse response;
  grpc::Status status = Register(kWorkerToken, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.worker_id().empty());
  EXPECT_GT(response.heartbeat_interval_ms(), 0);
}

TEST_F(AuthTest, BadSpecIsInvalidArgumentNamingTheField) {
  const std::string spec = std::string(kValidSpec) + "max_restarts: -1\n";
  v1::SubmitScanResponse response;
  grpc::Status status = Submit(kUserToken, spec, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("max_restarts"));
}

TEST_F(AuthTest, UnknownScanIsNotFound) {
  grpc::ClientContext context;
  Prepare(context, kUserToken);
  v1::GetScanRequest request;
  request.set_scan_id("s-999999");
  v1::GetScanResponse response;
  EXPECT_EQ(user_->GetScan(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace cascade::coordinator::testing
