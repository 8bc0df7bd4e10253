// StateStore: list filters, ordering and paging of scans, trials and metrics.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/coordinator/state/state_store_test_util.h"

namespace cascade::coordinator {
namespace {

using testing::MakeScan;
using testing::MakeTrial;
using testing::StepRecord;
using testing::ValidationRecord;

std::vector<std::string> ScanIds(const std::vector<v1::Scan>& scans) {
  std::vector<std::string> ids;
  for (const v1::Scan& scan : scans) ids.push_back(scan.id());
  return ids;
}

class StateStoreListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenOrDie(":memory:");
    ASSERT_NE(store_, nullptr);
  }
  // Every page of ListScans with `page_size`, concatenated; `pages` counts them.
  std::vector<std::string> AllScanPages(const std::vector<v1::ScanState>& states, int page_size,
                                        int* pages) {
    std::vector<std::string> ids;
    std::string token;
    *pages = 0;
    do {
      absl::StatusOr<std::vector<v1::Scan>> page =
          store_->ListScans(states, page_size, token, &token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || ++*pages > 100) break;
      for (const std::string& id : ScanIds(*page)) ids.push_back(id);
    } while (!token.empty());
    return ids;
  }
  std::unique_ptr<StateStore> store_;
};

TEST_F(StateStoreListTest, ScansNewestFirstFilteredAndPaged) {
  for (v1::ScanState state :
       {v1::SCAN_STATE_PENDING, v1::SCAN_STATE_RUNNING, v1::SCAN_STATE_COMPLETED,
        v1::SCAN_STATE_RUNNING, v1::SCAN_STATE_FAILED}) {
    ASSERT_TRUE(store_->InsertScan(MakeScan("s", state), "").ok());
  }
  int pages = 0;
  EXPECT_EQ(AllScanPages({}, 0, &pages),
            (std::vector<std::string>{"s-000005", "s-000004", "s-000003", "s-000002", "s-000001"}));
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(AllScanPages({}, 2, &pages),
            (std::vector<std::string>{"s-000005", "s-000004", "s-000003", "s-000002", "s-000001"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(AllScanPages({v1::SCAN_STATE_RUNNING}, 1, &pages),
            (std::vector<std::string>{"s-000004", "s-000002"}));
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(AllScanPages({v1::SCAN_STATE_FAILED, v1::SCAN_STATE_RUNNING}, 0, &pages),
            (std::vector<std::string>{"s-000005", "s-000004", "s-000002"}));
  EXPECT_TRUE(AllScanPages({v1::SCAN_STATE_CANCELED}, 0, &pages).empty());
  // A state this binary does not know (a newer client) matches nothing, not everything.
  EXPECT_TRUE(AllScanPages({static_cast<v1::ScanState>(42)}, 0, &pages).empty());
  EXPECT_EQ(AllScanPages({static_cast<v1::ScanState>(42), v1::SCAN_STATE_FAILED}, 0, &pages),
            (std::vector<std::string>{"s-000005"}));

  // An exact multiple of the page size ends with an empty token, not an empty extra page.
  std::string token;
  absl::StatusOr<std::vector<v1::Scan>> page = store_->ListScans({}, 5, "", &token);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 5u);
  EXPECT_EQ(token, "");

  EXPECT_TRUE(absl::IsInvalidArgument(store_->ListScans({}, 0, "abc", &token).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->ListScans({}, -1, "", &token).status()));
}

TEST_F(StateStoreListTest, TrialsByScanAndByState) {
  absl::StatusOr<v1::Scan> a = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "");
  absl::StatusOr<v1::Scan> b = store_->InsertScan(MakeScan("b", v1::SCAN_STATE_RUNNING), "");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(store_->InsertTrial(MakeTrial(a->id(), v1::TRIAL_STATE_RUNNING)).ok());    // t-1
  ASSERT_TRUE(store_->InsertTrial(MakeTrial(b->id(), v1::TRIAL_STATE_PENDING)).ok());    // t-2
  ASSERT_TRUE(store_->InsertTrial(MakeTrial(a->id(), v1::TRIAL_STATE_COMPLETED)).ok());  // t-3
  ASSERT_TRUE(store_->InsertTrial(MakeTrial(a->id(), v1::TRIAL_STATE_PENDING)).ok());    // t-4

  absl::StatusOr<std::vector<v1::Trial>> of_a = store_->ListTrials(a->id());
  ASSERT_TRUE(of_a.ok()) << of_a.status();
  ASSERT_EQ(of_a->size(), 3u);
  EXPECT_EQ((*of_a)[0].id(), "t-000001");
  EXPECT_EQ((*of_a)[1].id(), "t-000003");
  EXPECT_EQ((*of_a)[2].id(), "t-000004");

  absl::StatusOr<std::vector<v1::Trial>> live =
      store_->ListTrialsInStates({v1::TRIAL_STATE_PENDING, v1::TRIAL_STATE_RUNNING});
  ASSERT_TRUE(live.ok()) << live.status();
  std::vector<std::string> ids;
  for (const v1::Trial& trial : *live) ids.push_back(trial.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"t-000001", "t-000002", "t-000004"}));
  absl::StatusOr<std::vector<v1::Trial>> all = store_->ListTrialsInStates({});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 4u);
}

class StateStoreMetricsListTest : public StateStoreListTest {
 protected:
  void SetUp() override {
    StateStoreListTest::SetUp();
    absl::StatusOr<v1::Scan> scan = store_->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "");
    ASSERT_TRUE(scan.ok());
    for (std::string* id : {&trial_, &other_}) {
      absl::StatusOr<v1::Trial> trial =
          store_->InsertTrial(MakeTrial(scan->id(), v1::TRIAL_STATE_RUNNING));
      ASSERT_TRUE(trial.ok());
      *id = trial->id();
    }
    // trial_: steps 1..10 with a validation after steps 5 and 10; other_ interleaved.
    for (int64_t step = 1; step <= 10; ++step) {
      std::vector<v1::MetricRecord> batch = {StepRecord(trial_, step), StepRecord(other_, step)};
      if (step % 5 == 0) batch.push_back(ValidationRecord(trial_, step / 5, step));
      ASSERT_TRUE(store_->AppendMetrics(batch).ok());
    }
  }
  // (kind, step) of every record on every page.
  std::vector<std::string> AllMetricPages(v1::MetricKind kind, int64_t after_step, int page_size,
                                          int* pages) {
    std::vector<std::string> seen;
    std::string token;
    *pages = 0;
    do {
      absl::StatusOr<std::vector<v1::MetricRecord>> page =
          store_->ListMetrics(trial_, kind, after_step, page_size, token, &token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || ++*pages > 100) break;
      for (const v1::MetricRecord& record : *page) {
        EXPECT_EQ(record.trial_id(), trial_);
        seen.push_back(record.has_step() ? "s" + std::to_string(record.step().step())
                                         : "v" + std::to_string(record.validation().step()));
      }
    } while (!token.empty());
    return seen;
  }
  std::string trial_;
  std::string other_;
};

TEST_F(StateStoreMetricsListTest, OldestFirstByKindAndAfterStep) {
  int pages = 0;
  EXPECT_EQ(AllMetricPages(v1::METRIC_KIND_UNSPECIFIED, 0, 0, &pages),
            (std::vector<std::string>{"s1", "s2", "s3", "s4", "s5", "v5", "s6", "s7", "s8", "s9",
                                      "s10", "v10"}));
  EXPECT_EQ(AllMetricPages(v1::METRIC_KIND_VALIDATION, 0, 0, &pages),
            (std::vector<std::string>{"v5", "v10"}));
  EXPECT_EQ(AllMetricPages(v1::METRIC_KIND_STEP, 7, 0, &pages),
            (std::vector<std::string>{"s8", "s9", "s10"}));
  EXPECT_EQ(AllMetricPages(v1::METRIC_KIND_UNSPECIFIED, 5, 0, &pages),
            (std::vector<std::string>{"s6", "s7", "s8", "s9", "s10", "v10"}));
  EXPECT_TRUE(AllMetricPages(v1::METRIC_KIND_STEP, 10, 0, &pages).empty());
}

TEST_F(StateStoreMetricsListTest, MultiPage) {
  int pages = 0;
  const std::vector<std::string> all = AllMetricPages(v1::METRIC_KIND_UNSPECIFIED, 0, 0, &pages);
  EXPECT_EQ(AllMetricPages(v1::METRIC_KIND_UNSPECIFIED, 0, 5, &pages), all);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(AllMetricPages(v1::METRIC_KIND_STEP, 2, 3, &pages),
            (std::vector<std::string>{"s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"}));
  EXPECT_EQ(pages, 3);
  std::string token;
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->ListMetrics(trial_, v1::METRIC_KIND_STEP, 0, 0, "-3", &token).status()));
}

TEST_F(StateStoreMetricsListTest, DefaultPageIsAThousand) {
  std::vector<v1::MetricRecord> batch;
  for (int64_t step = 11; step <= 1100; ++step) batch.push_back(StepRecord(trial_, step));
  ASSERT_TRUE(store_->AppendMetrics(batch).ok());
  std::string token;
  absl::StatusOr<std::vector<v1::MetricRecord>> page =
      store_->ListMetrics(trial_, v1::METRIC_KIND_STEP, 0, 0, "", &token);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->size(), 1000u);
  ASSERT_FALSE(token.empty());
  page = store_->ListMetrics(trial_, v1::METRIC_KIND_STEP, 0, 0, token, &token);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 100u);
  EXPECT_EQ(page->back().step().step(), 1100);
  EXPECT_EQ(token, "");
}

}  // namespace
}  // namespace cascade::coordinator
