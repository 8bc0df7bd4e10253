// A failed store transaction leaves the Coordinator exactly as before: nothing sent, nothing
// half-applied in memory, the searcher rolled back. Faults are injected with a SQLite trigger
// installed through a second connection (deterministic, no timing).
#include <sqlite3.h>

#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

class CoordinatorRollbackTest : public CoordinatorHarness {
 protected:
  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
  void BreakTrialUpdates() {
    Exec(
        "CREATE TRIGGER inject BEFORE UPDATE ON trials BEGIN SELECT RAISE(ABORT, 'injected'); "
        "END;");
  }
  void Repair() { Exec("DROP TRIGGER inject;"); }
};

TEST_F(CoordinatorRollbackTest, FailedPlacementSendsNothingAndRetries) {
  const std::string scan_id = Submit(
      SpecYaml("  name: grid\n", "  workers_per_trial: 1\n", "  lr: 0.001\n", "epochs: 1\n"));
  FakeWorker& w = AddWorker();
  BreakTrialUpdates();
  Advance(absl::Seconds(1));
  EXPECT_FALSE(w.current.has_value());
  EXPECT_EQ(GetScan(scan_id).trials().pending(), 1);
  EXPECT_EQ(coordinator_->ListWorkers({})->workers(0).state(), v1::WORKER_STATE_IDLE);
  Repair();
  HeartbeatAll();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(w.current.has_value());
  EXPECT_EQ(w.current->generation(), 1) << "the failed attempt did not consume a generation";
}

TEST_F(CoordinatorRollbackTest, FailedValidationRollsBackTrialScanMetricsAndSearcher) {
  // ASHA with divisor 2 and rungs at 1 and 2 epochs: the second trial's worse rung-1 metric is
  // stopped (keep = max(1, 2/2) = 1 and one value is better).
  const std::string scan_id = Submit(
      SpecYaml("  name: asha\n  max_trials: 2\n  max_epochs: 2\n  divisor: 2\n  max_rungs: 2\n",
               "  workers_per_trial: 1\n", "  x: {type: double, minval: 0.0, maxval: 1.0}\n"));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current && b.current);
  ASSERT_TRUE(Validate(a, 1, 0.1).ok());
  BreakTrialUpdates();
  const absl::Status st = Validate(b, 1, 0.9);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("injected"));
  v1::Trial tb = GetTrial(b.current->trial_id());
  EXPECT_EQ(tb.state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_FALSE(tb.has_best_metric());
  EXPECT_TRUE(b.sink->Stops().empty());
  EXPECT_EQ(GetScan(scan_id).best_trial_id(), a.current->trial_id());
  Repair();
  v1::ListMetricsRequest req;
  req.set_trial_id(b.current->trial_id());
  EXPECT_EQ(coordinator_->ListMetrics(req)->records_size(), 0);
  // The retried report is applied once: the searcher had not seen the first one.
  ASSERT_TRUE(Validate(b, 1, 0.9).ok());
  EXPECT_EQ(GetTrial(b.current->trial_id()).state(), v1::TRIAL_STATE_STOPPED);
  EXPECT_EQ(b.sink->Stops().size(), 1u);
  EXPECT_EQ(coordinator_->ListMetrics(req)->records_size(), 1);
}

}  // namespace
}  // namespace cascade::coordinator::testing
