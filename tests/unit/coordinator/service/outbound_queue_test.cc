// OutboundQueue's contract with a fake reactor: one operation in flight, writes in order, Finish
// once and last, pushes refused after a finish request, and the bound on queued messages.
#include "coordinator/service/outbound_queue.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cascade::coordinator {
namespace {

class FakeTarget : public OutboundQueue<std::string>::Target {
 public:
  void StartWriteOp(const std::string* message) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    ops_.push_back("write " + *message);
    cv_.notify_all();
  }
  void FinishOp(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
    ops_.push_back("finish " + std::to_string(status.error_code()));
    cv_.notify_all();
  }
  // Waits until `n` operations were started (the pump runs on its own thread).
  std::vector<std::string> WaitOps(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return ops_.size() >= n; });
    return ops_;
  }
  void Complete() {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
  }
  int max_in_flight() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_in_flight_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ops_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

TEST(OutboundQueueTest, WritesInOrderOneAtATimeThenFinishes) {
  WritePump pump;
  FakeTarget target;
  auto queue = std::make_shared<OutboundQueue<std::string>>(&pump, &target, 100);
  ASSERT_TRUE(queue->Push("a"));
  ASSERT_TRUE(queue->Push("b"));
  queue->RequestFinish(grpc::Status::OK);
  EXPECT_FALSE(queue->Push("c"));  // after the finish request
  EXPECT_EQ(target.WaitOps(1), std::vector<std::string>({"write a"}));
  target.Complete();
  queue->OnWriteDone(true);
  EXPECT_EQ(target.WaitOps(2), std::vector<std::string>({"write a", "write b"}));
  target.Complete();
  queue->OnWriteDone(true);
  EXPECT_EQ(target.WaitOps(3), std::vector<std::string>({"write a", "write b", "finish 0"}));
  EXPECT_EQ(target.max_in_flight(), 1);
  queue->Drive();  // nothing may follow Finish
  EXPECT_EQ(target.WaitOps(3).size(), 3u);
  EXPECT_FALSE(queue->RunIfOpen([] {}));
}

TEST(OutboundQueueTest, FailedWriteDropsTheRestAndFinishes) {
  WritePump pump;
  FakeTarget target;
  auto queue = std::make_shared<OutboundQueue<std::string>>(&pump, &target, 100);
  queue->Push("a");
  queue->Push("b");
  target.WaitOps(1);
  target.Complete();
  queue->OnWriteDone(false);
  EXPECT_EQ(target.WaitOps(2),
            std::vector<std::string>(
                {"write a", "finish " + std::to_string(grpc::StatusCode::UNAVAILABLE)}));
}

TEST(OutboundQueueTest, SlowClientIsCutOffAtTheBound) {
  WritePump pump;
  FakeTarget target;
  auto queue = std::make_shared<OutboundQueue<std::string>>(&pump, &target, 2);
  ASSERT_TRUE(queue->Push("a"));
  target.WaitOps(1);  // "a" in flight, the client never completes it
  ASSERT_TRUE(queue->Push("b"));
  ASSERT_TRUE(queue->Push("c"));
  EXPECT_FALSE(queue->Push("d"));
  target.Complete();
  queue->OnWriteDone(true);
  EXPECT_EQ(target.WaitOps(2),
            std::vector<std::string>(
                {"write a", "finish " + std::to_string(grpc::StatusCode::RESOURCE_EXHAUSTED)}));
}

}  // namespace
}  // namespace cascade::coordinator
