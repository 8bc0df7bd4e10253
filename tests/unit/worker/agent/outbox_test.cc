// Outbox: order, durability across session loss, bounds, wake-ups.
#include "worker/agent/outbox.h"

#include <gtest/gtest.h>

namespace cascade::worker {
namespace {

v1::WorkerMessage Finished(int steps) {
  v1::WorkerMessage m;
  m.mutable_finished()->set_steps_completed(steps);
  return m;
}
v1::WorkerMessage Metrics(int step) {
  v1::WorkerMessage m;
  m.mutable_step_metrics()->mutable_metrics()->set_step(step);
  return m;
}
auto Now() { return Outbox::Clock::now(); }

TEST(OutboxTest, KeepsOrderAndPutsFailedWritesBackFirst) {
  Outbox box(8);
  box.Push(Finished(1));
  box.Push(Metrics(2));
  auto first = box.Next(Now());
  ASSERT_TRUE(first.has_value());
  box.PushFront(*first);
  EXPECT_EQ(box.Next(Now())->finished().steps_completed(), 1);
  EXPECT_EQ(box.Next(Now())->step_metrics().metrics().step(), 2);
  EXPECT_FALSE(box.Next(Now()).has_value());
}

TEST(OutboxTest, SessionLossDropsOnlyStepMetrics) {
  Outbox box(8);
  box.Push(Metrics(1));
  box.Push(Finished(5));
  box.Push(Metrics(2));
  box.DropEphemeral();
  EXPECT_EQ(box.size(), 1u);
  EXPECT_TRUE(box.Next(Now())->has_finished());
}

TEST(OutboxTest, FullOutboxDropsStepMetricsBeforeDurableMessages) {
  Outbox box(1);  // holds 1 + 64 messages
  box.Push(Finished(0));
  for (int i = 0; i < 100; ++i) box.Push(Metrics(i));
  EXPECT_EQ(box.size(), 65u);
  EXPECT_TRUE(box.Next(Now())->has_finished());
  for (int i = 0; i < 100; ++i) box.Push(Finished(i));
  EXPECT_EQ(box.size(), 65u);
  EXPECT_GT(box.dropped(), 0u);
}

TEST(OutboxTest, WakeEndsAWaitWithoutAMessage) {
  Outbox box(8);
  box.Wake();
  EXPECT_FALSE(box.Next(Now() + std::chrono::hours(1)).has_value());
}

}  // namespace
}  // namespace cascade::worker
