#include "coordinator/core/trial_scheduler.h"

#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::coordinator {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Workers(int n) {
  std::vector<std::string> w;
  for (int i = 1; i <= n; ++i) w.push_back(absl::StrCat("w", i));
  return w;
}

std::vector<PendingTrial> Trials(const std::string& scan, int n, int64_t first_order = 0) {
  std::vector<PendingTrial> t;
  for (int i = 0; i < n; ++i) t.push_back({absl::StrCat(scan, "-t", i), scan, first_order + i});
  return t;
}

ScanSlots Scan(const std::string& id, int64_t order, int min_w, int max_w, int max_conc = 16,
               int live = 0) {
  return {id, order, min_w, max_w, max_conc, live};
}

TEST(TrialScheduler, NothingToPlace) {
  EXPECT_THAT(ScheduleTrials({}, {Scan("a", 0, 1, 1)}, Workers(3)), IsEmpty());
  EXPECT_THAT(ScheduleTrials(Trials("a", 2), {Scan("a", 0, 1, 1)}, {}), IsEmpty());
}

TEST(TrialScheduler, OldestTrialFirstWithinAScan) {
  std::vector<PendingTrial> pending = {{"late", "a", 5}, {"early", "a", 1}, {"mid", "a", 3}};
  auto p = ScheduleTrials(pending, {Scan("a", 0, 1, 1)}, Workers(2));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].trial_id, "early");
  EXPECT_EQ(p[1].trial_id, "mid");
  EXPECT_THAT(p[0].worker_ids, ElementsAre("w1"));
  EXPECT_THAT(p[1].worker_ids, ElementsAre("w2"));
}

TEST(TrialScheduler, WholeGroupOnlyNeverPartial) {
  // min 3 workers, only 2 idle: nothing placed.
  EXPECT_THAT(ScheduleTrials(Trials("a", 1), {Scan("a", 0, 3, 4)}, Workers(2)), IsEmpty());
  auto p = ScheduleTrials(Trials("a", 1), {Scan("a", 0, 3, 4)}, Workers(3));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_THAT(p[0].worker_ids, ElementsAre("w1", "w2", "w3"));
}

TEST(TrialScheduler, MoreTrialsBeforeBiggerGroups) {
  // 3 workers, groups of 1..2: two trials at 1 worker, then the spare one grows the first.
  auto p = ScheduleTrials(Trials("a", 4), {Scan("a", 0, 1, 2)}, Workers(3));
  ASSERT_EQ(p.size(), 3u);
  for (const auto& pl : p) EXPECT_EQ(pl.worker_ids.size(), 1u);
  p = ScheduleTrials(Trials("a", 2), {Scan("a", 0, 1, 2)}, Workers(3));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_THAT(p[0].worker_ids, ElementsAre("w1", "w3"));
  EXPECT_THAT(p[1].worker_ids, ElementsAre("w2"));
}

TEST(TrialScheduler, GrowsUpToMaxWorkersOnly) {
  auto p = ScheduleTrials(Trials("a", 1), {Scan("a", 0, 1, 2)}, Workers(5));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].worker_ids.size(), 2u);
}

TEST(TrialScheduler, RespectsMaxConcurrentTrials) {
  auto p =
      ScheduleTrials(Trials("a", 5), {Scan("a", 0, 1, 1, /*max_conc=*/3, /*live=*/1)}, Workers(10));
  EXPECT_EQ(p.size(), 2u);
  EXPECT_THAT(ScheduleTrials(Trials("a", 5), {Scan("a", 0, 1, 1, 2, 2)}, Workers(10)), IsEmpty());
}

TEST(TrialScheduler, RoundRobinAcrossScans) {
  std::vector<PendingTrial> pending = Trials("a", 4);
  for (auto& t : Trials("b", 4)) pending.push_back(t);
  auto p = ScheduleTrials(pending, {Scan("a", 0, 1, 1), Scan("b", 1, 1, 1)}, Workers(4));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].scan_id, "a");
  EXPECT_EQ(p[1].scan_id, "b");
  EXPECT_EQ(p[2].scan_id, "a");
  EXPECT_EQ(p[3].scan_id, "b");
}

TEST(TrialScheduler, LeastLoadedScanFirst) {
  // Scan a (older) already runs 2 trials, b none: b gets the next two workers.
  std::vector<PendingTrial> pending = Trials("a", 3);
  for (auto& t : Trials("b", 3)) pending.push_back(t);
  auto p = ScheduleTrials(pending, {Scan("a", 0, 1, 1, 16, 2), Scan("b", 1, 1, 1)}, Workers(2));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].scan_id, "b");
  EXPECT_EQ(p[1].scan_id, "b");
}

TEST(TrialScheduler, BigGroupDoesNotBlockOtherScans) {
  std::vector<PendingTrial> pending = Trials("big", 1);
  for (auto& t : Trials("small", 2)) pending.push_back(t);
  auto p = ScheduleTrials(pending, {Scan("big", 0, 4, 4), Scan("small", 1, 1, 1)}, Workers(3));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].scan_id, "small");
  EXPECT_EQ(p[1].scan_id, "small");
}

TEST(TrialScheduler, IgnoresTrialsOfUnknownScans) {
  EXPECT_THAT(ScheduleTrials(Trials("x", 2), {Scan("a", 0, 1, 1)}, Workers(2)), IsEmpty());
}

// Property test over random inputs: the invariants of the header hold for every result.
TEST(TrialScheduler, InvariantsHoldOnRandomInputs) {
  std::mt19937_64 rng(1234);
  for (int iter = 0; iter < 2000; ++iter) {
    const int n_scans = 1 + rng() % 4;
    std::vector<ScanSlots> scans;
    std::vector<PendingTrial> pending;
    for (int s = 0; s < n_scans; ++s) {
      const int min_w = 1 + rng() % 3;
      const int max_w = min_w + rng() % 3;
      const int max_conc = 1 + rng() % 4;
      const int live = rng() % (max_conc + 1);
      const std::string id = absl::StrCat("s", s);
      scans.push_back(Scan(id, s, min_w, max_w, max_conc, live));
      for (auto& t : Trials(id, rng() % 5, rng() % 10)) pending.push_back(t);
    }
    const auto workers = Workers(rng() % 9);
    const auto placements = ScheduleTrials(pending, scans, workers);

    std::set<std::string> used, placed;
    std::map<std::string, int> per_scan;
    for (const auto& p : placements) {
      const ScanSlots* s = nullptr;
      for (const auto& sc : scans) s = sc.scan_id == p.scan_id ? &sc : s;
      ASSERT_NE(s, nullptr);
      EXPECT_GE(static_cast<int>(p.worker_ids.size()), s->min_workers);
      EXPECT_LE(static_cast<int>(p.worker_ids.size()), s->max_workers);
      for (const auto& w : p.worker_ids) {
        EXPECT_TRUE(used.insert(w).second) << "worker " << w << " over-committed";
        EXPECT_NE(std::find(workers.begin(), workers.end(), w), workers.end());
      }
      EXPECT_TRUE(placed.insert(p.trial_id).second);
      ++per_scan[p.scan_id];
    }
    for (const auto& s : scans) {
      EXPECT_LE(s.live_trials + per_scan[s.scan_id],
                std::max(s.live_trials, s.max_concurrent_trials));
      // Work-conserving: a scan with a waiting trial and room left must have been unable to fit.
      int waiting = 0;
      for (const auto& t : pending) waiting += t.scan_id == s.scan_id;
      if (waiting > per_scan[s.scan_id] &&
          s.live_trials + per_scan[s.scan_id] < s.max_concurrent_trials) {
        EXPECT_LT(static_cast<int>(workers.size() - used.size()), s.min_workers);
      }
    }
  }
}

}  // namespace
}  // namespace cascade::coordinator
