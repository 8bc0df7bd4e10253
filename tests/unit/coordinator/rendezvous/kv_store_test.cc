// KvStore: write-once keys, blocking and asynchronous waits, deadlines, prefix drops.
#include "coordinator/rendezvous/kv_store.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace cascade::coordinator {
namespace {

absl::Time Soon() { return absl::Now() + absl::Seconds(30); }

TEST(KvStoreTest, KeysAreWriteOnce) {
  KvStore store;
  ASSERT_TRUE(store.Set("p/a", "1").ok());
  absl::Status again = store.Set("p/a", "2");
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("p/a"), std::string::npos);
  EXPECT_EQ(store.Lookup("p/a"), "1");
}

TEST(KvStoreTest, GetWaitsForALaterSet) {
  KvStore store;
  auto value = std::async(std::launch::async, [&] { return store.Get("p/k", Soon()); });
  ASSERT_TRUE(store.Set("p/k", "v").ok());
  auto got = value.get();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "v");
}

TEST(KvStoreTest, WaitCompletesOnlyWhenEveryKeyExists) {
  KvStore store;
  std::promise<absl::Status> result;
  store.WaitAsync({"p/a", "p/b"}, Soon(), [&](const absl::Status& st) { result.set_value(st); });
  auto future = result.get_future();
  ASSERT_TRUE(store.Set("p/a", "1").ok());
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  ASSERT_TRUE(store.Set("p/b", "2").ok());
  EXPECT_TRUE(future.get().ok());
}

TEST(KvStoreTest, WaitOnPresentKeysCompletesImmediately) {
  KvStore store;
  ASSERT_TRUE(store.Set("p/a", "1").ok());
  bool called = false;
  store.WaitAsync({"p/a"}, absl::InfinitePast(), [&](const absl::Status& st) {
    EXPECT_TRUE(st.ok());
    called = true;
  });
  EXPECT_TRUE(called);
}

TEST(KvStoreTest, DeadlineNamesTheMissingKeys) {
  KvStore store;
  ASSERT_TRUE(store.Set("p/a", "1").ok());
  absl::Status st = store.Wait({"p/a", "p/missing"}, absl::Now() + absl::Milliseconds(50));
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(st.message().find("p/missing"), std::string::npos);
  EXPECT_EQ(st.message().find("p/a'"), std::string::npos);
}

TEST(KvStoreTest, CancelCompletesTheWaiterOnce) {
  KvStore store;
  int calls = 0;
  absl::Status seen;
  const int64_t id = store.WaitAsync({"p/x"}, absl::InfiniteFuture(), [&](const absl::Status& st) {
    ++calls;
    seen = st;
  });
  store.CancelWaiter(id);
  store.CancelWaiter(id);
  ASSERT_TRUE(store.Set("p/x", "1").ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled);
}

TEST(KvStoreTest, DestructionCancelsPendingWaiters) {
  absl::Status seen;
  {
    KvStore store;
    store.WaitAsync({"p/x"}, absl::InfiniteFuture(), [&](const absl::Status& st) { seen = st; });
  }
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled);
}

TEST(KvStoreTest, DropPrefixFreesOnlyThatGeneration) {
  KvStore store;
  ASSERT_TRUE(store.Set("trial/t1/gen/0/a", "1").ok());
  ASSERT_TRUE(store.Set("trial/t1/gen/0/b", "1").ok());
  ASSERT_TRUE(store.Set("trial/t1/gen/01/a", "1").ok());
  ASSERT_TRUE(store.Set("trial/t1/gen/1/a", "1").ok());
  store.DropPrefix("trial/t1/gen/0");
  EXPECT_EQ(store.size(), 2u);
  EXPECT_FALSE(store.Lookup("trial/t1/gen/0/a").has_value());
  EXPECT_TRUE(store.Lookup("trial/t1/gen/01/a").has_value());
  EXPECT_TRUE(store.Lookup("trial/t1/gen/1/a").has_value());
}

}  // namespace
}  // namespace cascade::coordinator
