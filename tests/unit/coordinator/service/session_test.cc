// Worker sessions over real gRPC: hello -> welcome, the first-message rule, the end of a stream,
// and a session the coordinator closes itself.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/service/service_fixture.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::HasSubstr;
using Stream = grpc::ClientReaderWriter<v1::WorkerMessage, v1::CoordinatorMessage>;

class SessionTest : public ServiceFixture {
 protected:
  std::string RegisterWorker() {
    v1::RegisterResponse response;
    grpc::Status status = Register(kWorkerToken, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.worker_id();
  }

  static v1::WorkerMessage Hello(const std::string& worker_id) {
    v1::WorkerMessage hello;
    hello.mutable_hello()->set_worker_id(worker_id);
    return hello;
  }

  v1::Worker GetWorker(const std::string& id) {
    grpc::ClientContext context;
    Prepare(context, kUserToken);
    v1::ListWorkersRequest request;
    for (int s = v1::WORKER_STATE_IDLE; s <= v1::WORKER_STATE_GONE; ++s) {
      request.add_states(static_cast<v1::WorkerState>(s));
    }
    v1::ListWorkersResponse response;
    EXPECT_TRUE(user_->ListWorkers(&context, request, &response).ok());
    for (const v1::Worker& worker : response.workers()) {
      if (worker.id() == id) return worker;
    }
    ADD_FAILURE() << "worker " << id << " not listed";
    return {};
  }
};

TEST_F(SessionTest, HelloIsWelcomedAndHalfCloseEndsTheSession) {
  StartServer();
  const std::string id = RegisterWorker();
  grpc::ClientContext context;
  Prepare(context, kWorkerToken);
  std::unique_ptr<Stream> stream = worker_->Session(&context);
  ASSERT_TRUE(stream->Write(Hello(id)));
  v1::CoordinatorMessage message;
  ASSERT_TRUE(stream->Read(&message));
  ASSERT_TRUE(message.has_welcome()) << message.DebugString();
  EXPECT_GT(message.welcome().heartbeat_interval_ms(), 0);

  v1::WorkerMessage heartbeat;
  heartbeat.mutable_heartbeat()->set_step(0);
  ASSERT_TRUE(stream->Write(heartbeat));
  ASSERT_TRUE(stream->WritesDone());
  while (stream->Read(&message)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  // The stream's end reached the Coordinator: the worker waits for a re-attach.
  EXPECT_EQ(GetWorker(id).state(), v1::WORKER_STATE_LOST);
}

TEST_F(SessionTest, FirstMessageMustBeHello) {
  StartServer();
  RegisterWorker();
  grpc::ClientContext context;
  Prepare(context, kWorkerToken);
  std::unique_ptr<Stream> stream = worker_->Session(&context);
  v1::WorkerMessage heartbeat;
  heartbeat.mutable_heartbeat()->set_step(1);
  stream->Write(heartbeat);
  v1::CoordinatorMessage message;
  EXPECT_FALSE(stream->Read(&message));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("hello"));
}

TEST_F(SessionTest, UnknownWorkerIsFailedPrecondition) {
  StartServer();
  grpc::ClientContext context;
  Prepare(context, kWorkerToken);
  std::unique_ptr<Stream> stream = worker_->Session(&context);
  stream->Write(Hello("w-424242"));
  v1::CoordinatorMessage message;
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(SessionTest, UserTokenCannotOpenASession) {
  StartServer();
  grpc::ClientContext context;
  Prepare(context, kUserToken);
  std::unique_ptr<Stream> stream = worker_->Session(&context);
  v1::CoordinatorMessage message;
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SessionTest, CoordinatorClosesTheSessionOfASilentWorker) {
  // The server's tick thread declares the silent worker LOST, then GONE, and closes its stream.
  coordinator_options_.heartbeat_timeout = absl::Milliseconds(100);
  coordinator_options_.reattach_grace = absl::Milliseconds(100);
  StartServer();
  const std::string id = RegisterWorker();
  grpc::ClientContext context;
  Prepare(context, kWorkerToken);
  std::unique_ptr<Stream> stream = worker_->Session(&context);
  ASSERT_TRUE(stream->Write(Hello(id)));
  v1::CoordinatorMessage message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_TRUE(message.has_welcome());
  while (stream->Read(&message)) {
  }
  // Ends within the 20 s call deadline only if the coordinator closed it.
  grpc::Status status = stream->Finish();
  EXPECT_NE(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
}

TEST_F(SessionTest, ShutdownEndsOpenSessionsAndWatches) {
  StartServer();
  const std::string id = RegisterWorker();
  grpc::ClientContext session_context;
  Prepare(session_context, kWorkerToken);
  std::unique_ptr<Stream> stream = worker_->Session(&session_context);
  ASSERT_TRUE(stream->Write(Hello(id)));
  v1::CoordinatorMessage message;
  ASSERT_TRUE(stream->Read(&message));
  v1::SubmitScanResponse submitted;
  ASSERT_TRUE(Submit(kUserToken, kValidSpec, &submitted).ok());
  grpc::ClientContext watch_context;
  Prepare(watch_context, kUserToken);
  v1::WatchScanRequest watch;
  watch.set_scan_id(submitted.scan().id());
  auto reader = user_->WatchScan(&watch_context, watch);
  v1::ScanEvent event;
  ASSERT_TRUE(reader->Read(&event));

  server_->Shutdown();  // returns only once every call has ended

  while (stream->Read(&message)) {
  }
  EXPECT_FALSE(stream->Finish().ok());
  while (reader->Read(&event)) {
  }
  EXPECT_FALSE(reader->Finish().ok());
}

}  // namespace
}  // namespace cascade::coordinator::testing
