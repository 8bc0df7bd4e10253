// WatchScan over real gRPC: the first event is the scan's snapshot; a client that cancels ends
// its watch without disturbing the server.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/service/service_fixture.h"

namespace cascade::coordinator::testing {
namespace {

class WatchTest : public ServiceFixture {
 protected:
  void SetUp() override {
    StartServer();
    v1::SubmitScanResponse response;
    grpc::Status status = Submit(kUserToken, kValidSpec, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    scan_id_ = response.scan().id();
  }

  std::string scan_id_;
};

TEST_F(WatchTest, FirstEventIsTheScanSnapshot) {
  grpc::ClientContext context;
  Prepare(context, kUserToken);
  v1::WatchScanRequest request;
  request.set_scan_id(scan_id_);
  auto reader = user_->WatchScan(&context, request);
  v1::ScanEvent event;
  ASSERT_TRUE(reader->Read(&event));
  ASSERT_TRUE(event.has_scan()) << event.DebugString();
  EXPECT_EQ(event.scan().id(), scan_id_);
  EXPECT_EQ(event.scan().name(), "svc-test");
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WatchTest, CancelledScanEndsTheStreamAfterItsFinalEvent) {
  grpc::ClientContext context;
  Prepare(context, kUserToken);
  v1::WatchScanRequest request;
  request.set_scan_id(scan_id_);
  auto reader = user_->WatchScan(&context, request);
  v1::ScanEvent event;
  ASSERT_TRUE(reader->Read(&event));
  {
    grpc::ClientContext cancel_context;
    Prepare(cancel_context, kUserToken);
    v1::CancelScanRequest cancel;
    cancel.set_scan_id(scan_id_);
    v1::CancelScanResponse cancelled;
    ASSERT_TRUE(user_->CancelScan(&cancel_context, cancel, &cancelled).ok());
  }
  v1::ScanEvent last = event;
  while (reader->Read(&event)) last = event;
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(last.has_scan()) << last.DebugString();
  EXPECT_EQ(last.scan().state(), v1::SCAN_STATE_CANCELED);
}

TEST_F(WatchTest, ClientCancelEndsAQuietWatch) {
  for (int i = 0; i < 3; ++i) {  // repeated: a leaked watcher or reactor would show at TearDown
    grpc::ClientContext context;
    Prepare(context, kUserToken);
    v1::WatchScanRequest request;
    request.set_scan_id(scan_id_);
    auto reader = user_->WatchScan(&context, request);
    v1::ScanEvent event;
    ASSERT_TRUE(reader->Read(&event));
    context.TryCancel();
    while (reader->Read(&event)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The server still serves, and shuts down promptly in TearDown with no watch left open.
  grpc::ClientContext context;
  Prepare(context, kUserToken);
  v1::GetScanRequest get;
  get.set_scan_id(scan_id_);
  v1::GetScanResponse response;
  EXPECT_TRUE(user_->GetScan(&context, get, &response).ok());
}

TEST_F(WatchTest, UnknownScanIsNotFound) {
  grpc::ClientContext context;
  Prepare(context, kUserToken);
  v1::WatchScanRequest request;
  request.set_scan_id("s-999999");
  auto reader = user_->WatchScan(&context, request);
  v1::ScanEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(WatchTest, WorkerTokenCannotWatch) {
  grpc::ClientContext context;
  Prepare(context, kWorkerToken);
  v1::WatchScanRequest request;
  request.set_scan_id(scan_id_);
  auto reader = user_->WatchScan(&context, request);
  v1::ScanEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace cascade::coordinator::testing
