// StateStore::RunInTransaction: all-or-nothing bodies, nested calls joining the transaction,
// nested transactions as savepoints, other threads kept out until the end.
#include <thread>

#include "gtest/gtest.h"
#include "tests/unit/coordinator/state/state_store_test_util.h"

namespace cascade::coordinator {
namespace {

using testing::MakeScan;
using testing::MakeTrial;
using testing::MakeWorker;

class StateStoreTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenOrDie(":memory:");
    ASSERT_NE(store_, nullptr);
  }
  size_t ScanCount() {
    std::string token;
    absl::StatusOr<std::vector<v1::Scan>> scans = store_->ListScans({}, 0, "", &token);
    EXPECT_TRUE(scans.ok()) << scans.status();
    return scans.ok() ? scans->size() : 0;
  }
  std::unique_ptr<StateStore> store_;
};

TEST_F(StateStoreTransactionTest, ErrorRollsBackEverything) {
  absl::Status status = store_->RunInTransaction([&]() -> absl::Status {
    absl::StatusOr<v1::Scan> scan = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_PENDING), "r");
    if (!scan.ok()) return scan.status();
    absl::StatusOr<v1::Trial> trial =
        store_->InsertTrial(MakeTrial(scan->id(), v1::TRIAL_STATE_PENDING));
    if (!trial.ok()) return trial.status();
    absl::Status put = store_->PutSearcherState(scan->id(), "{}");
    if (!put.ok()) return put;
    absl::Status metrics = store_->AppendMetrics({testing::StepRecord(trial->id(), 1)});
    if (!metrics.ok()) return metrics;
    return absl::AbortedError("searcher failed");
  });
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  EXPECT_EQ(ScanCount(), 0u);
  EXPECT_TRUE(absl::IsNotFound(store_->GetTrial("t-000001").status()));
  // The rolled-back request id is free again.
  absl::StatusOr<v1::Scan> again = store_->InsertScan(MakeScan("b", v1::SCAN_STATE_PENDING), "r");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), "b");
}

TEST_F(StateStoreTransactionTest, NestedCallsCommitTogether) {
  std::string scan_id;
  absl::Status status = store_->RunInTransaction([&]() -> absl::Status {
    absl::StatusOr<v1::Scan> scan = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_PENDING), "");
    if (!scan.ok()) return scan.status();
    scan_id = scan->id();
    // A nested transaction (e.g. a helper that is itself transactional) joins this one.
    return store_->RunInTransaction([&]() -> absl::Status {
      absl::StatusOr<v1::Trial> trial =
          store_->InsertTrial(MakeTrial(scan->id(), v1::TRIAL_STATE_PENDING));
      if (!trial.ok()) return trial.status();
      v1::Scan running = *scan;
      running.set_state(v1::SCAN_STATE_RUNNING);
      return store_->UpdateScan(running);
    });
  });
  ASSERT_TRUE(status.ok()) << status;
  absl::StatusOr<v1::Scan> scan = store_->GetScan(scan_id);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->state(), v1::SCAN_STATE_RUNNING);
  absl::StatusOr<std::vector<v1::Trial>> trials = store_->ListTrials(scan_id);
  ASSERT_TRUE(trials.ok());
  EXPECT_EQ(trials->size(), 1u);
}

TEST_F(StateStoreTransactionTest, FailedInnerTransactionUndoesOnlyItself) {
  absl::Status status = store_->RunInTransaction([&]() -> absl::Status {
    if (absl::Status s = store_->InsertScan(MakeScan("kept", v1::SCAN_STATE_PENDING), "").status();
        !s.ok()) {
      return s;
    }
    absl::Status inner = store_->RunInTransaction([&]() -> absl::Status {
      absl::Status s = store_->InsertScan(MakeScan("undone", v1::SCAN_STATE_PENDING), "").status();
      return s.ok() ? absl::CancelledError("inner gives up") : s;
    });
    EXPECT_TRUE(absl::IsCancelled(inner)) << inner;
    // A failing store call (unknown trial) inside the body does not poison the transaction.
    EXPECT_TRUE(absl::IsNotFound(store_->AppendMetrics({testing::StepRecord("t-000009", 1)})));
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  std::string token;
  absl::StatusOr<std::vector<v1::Scan>> scans = store_->ListScans({}, 0, "", &token);
  ASSERT_TRUE(scans.ok());
  ASSERT_EQ(scans->size(), 1u);
  EXPECT_EQ((*scans)[0].name(), "kept");
}

TEST_F(StateStoreTransactionTest, OtherThreadsDoNotJoin) {
  // The other thread's insert starts while the transaction is open; it must wait and commit on
  // its own, so the rollback cannot take it along.
  std::thread other;
  absl::Status status = store_->RunInTransaction([&]() -> absl::Status {
    if (absl::Status s = store_->InsertWorker(MakeWorker("inside")).status(); !s.ok()) return s;
    other = std::thread([&] { EXPECT_TRUE(store_->InsertWorker(MakeWorker("outside")).ok()); });
    return absl::AbortedError("roll back");
  });
  EXPECT_TRUE(absl::IsAborted(status));
  other.join();
  absl::StatusOr<std::vector<v1::Worker>> workers = store_->ListWorkers();
  ASSERT_TRUE(workers.ok());
  ASSERT_EQ(workers->size(), 1u);
  EXPECT_EQ((*workers)[0].info().hostname(), "outside");
}

}  // namespace
}  // namespace cascade::coordinator
