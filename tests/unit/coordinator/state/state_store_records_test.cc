// StateStore: every record type round-trips, ids come from the store, NotFound names the id.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/state/state_store_test_util.h"

namespace cascade::coordinator {
namespace {

using ::testing::HasSubstr;
using testing::MakeScan;
using testing::MakeTrial;
using testing::MakeWorker;
using testing::OpenOrDie;
using testing::ProtoEquals;

class StateStoreRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(":memory:");
    ASSERT_NE(store_, nullptr);
  }
  // A stored scan and one of its trials, for the tests of records that hang off a trial.
  std::string AddTrial() {
    absl::StatusOr<v1::Scan> scan = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "");
    EXPECT_TRUE(scan.ok()) << scan.status();
    absl::StatusOr<v1::Trial> trial =
        store_->InsertTrial(MakeTrial(scan->id(), v1::TRIAL_STATE_RUNNING));
    EXPECT_TRUE(trial.ok()) << trial.status();
    return trial->id();
  }
  std::unique_ptr<StateStore> store_;
};

TEST_F(StateStoreRecordsTest, ScanRoundTripAndIds) {
  const v1::Scan input = MakeScan("first", v1::SCAN_STATE_PENDING);
  absl::StatusOr<v1::Scan> first = store_->InsertScan(input, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id(), "s-000001");
  absl::StatusOr<v1::Scan> second =
      store_->InsertScan(MakeScan("second", v1::SCAN_STATE_PENDING), "");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->id(), "s-000002");

  v1::Scan expected = input;
  expected.set_id("s-000001");
  absl::StatusOr<v1::Scan> got = store_->GetScan("s-000001");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(ProtoEquals(*got, expected)) << got->DebugString();

  expected.set_state(v1::SCAN_STATE_FAILED);
  expected.set_message("restart budget exhausted");
  ASSERT_TRUE(store_->UpdateScan(expected).ok());
  got = store_->GetScan("s-000001");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(ProtoEquals(*got, expected)) << got->DebugString();
}

TEST_F(StateStoreRecordsTest, UnknownIdsAreNotFoundNamingTheId) {
  for (const char* id : {"s-000042", "bogus", "t-000001", "s-42", ""}) {
    absl::StatusOr<v1::Scan> scan = store_->GetScan(id);
    EXPECT_TRUE(absl::IsNotFound(scan.status())) << id << ": " << scan.status();
    EXPECT_THAT(std::string(scan.status().message()), HasSubstr(id));
  }
  v1::Scan scan = MakeScan("x", v1::SCAN_STATE_PENDING);
  scan.set_id("s-000007");
  absl::Status status = store_->UpdateScan(scan);
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("s-000007"));
  EXPECT_TRUE(absl::IsNotFound(store_->GetTrial("t-000003").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetWorker("w-000003").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->DeleteCheckpoint("c-000003")));
  EXPECT_TRUE(absl::IsNotFound(store_->ListTrials("s-000003").status()));
}

TEST_F(StateStoreRecordsTest, InsertScanIsIdempotentPerRequestId) {
  absl::StatusOr<v1::Scan> first =
      store_->InsertScan(MakeScan("one", v1::SCAN_STATE_PENDING), "req-1");
  ASSERT_TRUE(first.ok()) << first.status();
  // A retried submit (even with a changed body) returns the first scan and stores nothing.
  absl::StatusOr<v1::Scan> retry =
      store_->InsertScan(MakeScan("two", v1::SCAN_STATE_PENDING), "req-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(ProtoEquals(*retry, *first)) << retry->DebugString();
  absl::StatusOr<v1::Scan> other =
      store_->InsertScan(MakeScan("three", v1::SCAN_STATE_PENDING), "req-2");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(other->id(), first->id());
  // No request id: never deduplicated.
  ASSERT_TRUE(store_->InsertScan(MakeScan("four", v1::SCAN_STATE_PENDING), "").ok());
  ASSERT_TRUE(store_->InsertScan(MakeScan("four", v1::SCAN_STATE_PENDING), "").ok());
  std::string token;
  absl::StatusOr<std::vector<v1::Scan>> scans = store_->ListScans({}, 0, "", &token);
  ASSERT_TRUE(scans.ok()) << scans.status();
  EXPECT_EQ(scans->size(), 4u);
}

TEST_F(StateStoreRecordsTest, SearcherState) {
  absl::StatusOr<v1::Scan> scan = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "");
  ASSERT_TRUE(scan.ok());
  absl::StatusOr<std::optional<std::string>> state = store_->GetSearcherState(scan->id());
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_FALSE(state->has_value());
  ASSERT_TRUE(store_->PutSearcherState(scan->id(), R"({"rung":0})").ok());
  ASSERT_TRUE(store_->PutSearcherState(scan->id(), R"({"rung":1})").ok());
  state = store_->GetSearcherState(scan->id());
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->value_or(""), R"({"rung":1})");
  EXPECT_TRUE(absl::IsNotFound(store_->GetSearcherState("s-000009").status()));
  absl::Status put = store_->PutSearcherState("s-000009", "{}");
  EXPECT_TRUE(absl::IsNotFound(put)) << put;
  EXPECT_THAT(std::string(put.message()), HasSubstr("s-000009"));
}

TEST_F(StateStoreRecordsTest, TrialRoundTrip) {
  absl::StatusOr<v1::Scan> scan = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "");
  ASSERT_TRUE(scan.ok());
  const v1::Trial input = MakeTrial(scan->id(), v1::TRIAL_STATE_PENDING);
  absl::StatusOr<v1::Trial> trial = store_->InsertTrial(input);
  ASSERT_TRUE(trial.ok()) << trial.status();
  EXPECT_EQ(trial->id(), "t-000001");
  v1::Trial expected = input;
  expected.set_id("t-000001");
  absl::StatusOr<v1::Trial> got = store_->GetTrial("t-000001");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(ProtoEquals(*got, expected)) << got->DebugString();

  expected.set_state(v1::TRIAL_STATE_RUNNING);
  expected.set_epochs_completed(3);
  ASSERT_TRUE(store_->UpdateTrial(expected).ok());
  got = store_->GetTrial("t-000001");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(ProtoEquals(*got, expected)) << got->DebugString();

  absl::StatusOr<v1::Trial> orphan =
      store_->InsertTrial(MakeTrial("s-000077", v1::TRIAL_STATE_PENDING));
  EXPECT_TRUE(absl::IsNotFound(orphan.status())) << orphan.status();
  EXPECT_THAT(std::string(orphan.status().message()), HasSubstr("s-000077"));
  expected.set_id("t-000005");
  absl::Status missing = store_->UpdateTrial(expected);
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_THAT(std::string(missing.message()), HasSubstr("t-000005"));
}

TEST_F(StateStoreRecordsTest, WorkerRoundTrip) {
  absl::StatusOr<v1::Worker> a = store_->InsertWorker(MakeWorker("node-a"));
  absl::StatusOr<v1::Worker> b = store_->InsertWorker(MakeWorker("node-b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id(), "w-000001");
  EXPECT_EQ(b->id(), "w-000002");
  v1::Worker busy = *b;
  busy.set_state(v1::WORKER_STATE_BUSY);
  busy.set_trial_id("t-000001");
  *busy.mutable_last_heartbeat() = testing::Ts(1800000200, 5);
  ASSERT_TRUE(store_->UpdateWorker(busy).ok());
  absl::StatusOr<v1::Worker> got = store_->GetWorker("w-000002");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(ProtoEquals(*got, busy)) << got->DebugString();
  absl::StatusOr<std::vector<v1::Worker>> all = store_->ListWorkers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE(ProtoEquals((*all)[0], *a));
  EXPECT_TRUE(ProtoEquals((*all)[1], busy));
  busy.set_id("w-000003");
  EXPECT_TRUE(absl::IsNotFound(store_->UpdateWorker(busy)));
}

TEST_F(StateStoreRecordsTest, MetricRoundTripAndAtomicBatches) {
  const std::string trial = AddTrial();
  const std::vector<v1::MetricRecord> batch = {testing::StepRecord(trial, 1),
                                               testing::ValidationRecord(trial, 1, 1)};
  ASSERT_TRUE(store_->AppendMetrics(batch).ok());
  std::string token = "x";
  absl::StatusOr<std::vector<v1::MetricRecord>> got =
      store_->ListMetrics(trial, v1::METRIC_KIND_UNSPECIFIED, 0, 0, "", &token);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_TRUE(ProtoEquals((*got)[0], batch[0])) << (*got)[0].DebugString();
  EXPECT_TRUE(ProtoEquals((*got)[1], batch[1])) << (*got)[1].DebugString();
  EXPECT_EQ(token, "");

  // A bad record anywhere in a batch stores none of it.
  v1::MetricRecord empty;
  empty.set_trial_id(trial);
  EXPECT_TRUE(
      absl::IsInvalidArgument(store_->AppendMetrics({testing::StepRecord(trial, 2), empty})));
  absl::Status orphan =
      store_->AppendMetrics({testing::StepRecord(trial, 2), testing::StepRecord("t-000050", 2)});
  EXPECT_TRUE(absl::IsNotFound(orphan)) << orphan;
  EXPECT_THAT(std::string(orphan.message()), HasSubstr("t-000050"));
  got = store_->ListMetrics(trial, v1::METRIC_KIND_UNSPECIFIED, 0, 0, "", &token);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 2u);
  EXPECT_TRUE(absl::IsNotFound(
      store_->ListMetrics("t-000050", v1::METRIC_KIND_STEP, 0, 0, "", &token).status()));
}

TEST_F(StateStoreRecordsTest, CheckpointsInsertUpdateDelete) {
  const std::string trial = AddTrial();
  v1::Checkpoint input;
  input.set_trial_id(trial);
  input.set_path("/ckpt/epoch-1.h5");
  input.set_epoch(1);
  input.set_step(100);
  *input.mutable_created_at() = testing::Ts(1800000300);
  absl::StatusOr<v1::Checkpoint> first = store_->InsertCheckpoint(input);
  input.set_epoch(2);
  absl::StatusOr<v1::Checkpoint> second = store_->InsertCheckpoint(input);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->id(), "c-000001");
  EXPECT_EQ(second->id(), "c-000002");
  v1::Checkpoint scored = *first;
  scored.set_has_metric(true);
  scored.set_metric(0.031);
  ASSERT_TRUE(store_->UpdateCheckpoint(scored).ok());
  absl::StatusOr<std::vector<v1::Checkpoint>> list = store_->ListCheckpoints(trial);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE(ProtoEquals((*list)[0], scored));
  EXPECT_TRUE(ProtoEquals((*list)[1], *second));

  ASSERT_TRUE(store_->DeleteCheckpoint(second->id()).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->DeleteCheckpoint(second->id())));
  EXPECT_TRUE(absl::IsNotFound(store_->UpdateCheckpoint(*second)));
  // A deleted id is never handed out again.
  absl::StatusOr<v1::Checkpoint> third = store_->InsertCheckpoint(input);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->id(), "c-000003");
  list = store_->ListCheckpoints(trial);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  input.set_trial_id("t-000099");
  EXPECT_TRUE(absl::IsNotFound(store_->InsertCheckpoint(input).status()));
}

}  // namespace
}  // namespace cascade::coordinator
