// Seeded random fault injection: ASHA scans trained by fake workers that validate, checkpoint,
// fail, die with their group suspending (elastic regroup), drain, go silent, re-register, and get
// restarted along with the coordinator itself. After
// every step the invariants hold (no worker in two running groups, ranks complete and distinct,
// restart budget respected), and every scan ends with all trials terminal and workers idle.
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

class CoordinatorChaosTest : public CoordinatorHarness, public ::testing::WithParamInterface<int> {
 protected:
  // Plays the worker side of what the coordinator sent: stops are answered with TrialFinished,
  // Regroup commands with GroupSuspended(REGROUP).
  void AnswerStops(FakeWorker& w) {
    for (const v1::Regroup& rg : w.sink->Regroups()) {
      if (w.current && w.current->trial_id() == rg.trial_id() &&
          w.current->generation() == rg.generation()) {
        (void)Suspend(w, v1::SUSPEND_CAUSE_REGROUP, 5);
      }
    }
    for (const v1::StopTrial& stop : w.sink->Stops()) {
      if (w.current && w.current->trial_id() == stop.trial_id()) {
        if (stop.checkpoint()) {
          ASSERT_TRUE(
              Checkpoint(w, Path(*w.current, epochs_[Key(*w.current)]), epochs_[Key(*w.current)], 1)
                  .ok());
        }
        ASSERT_TRUE(Finish(w, epochs_[Key(*w.current)]).ok());
      }
    }
    w.sink->messages.clear();
  }
  static std::string Key(const v1::Assignment& a) {
    return absl::StrCat(a.trial_id(), "/", a.generation());
  }
  static std::string Path(const v1::Assignment& a, int epoch) {
    return absl::StrCat("/nonexistent/", a.trial_id(), "/e", epoch, ".h5");
  }
  void CheckInvariants(const std::string& scan_id, int max_restarts) {
    std::set<std::string> in_group;
    int restarts = 0;
    for (const v1::Trial& t : Trials(scan_id)) {
      restarts += t.restarts();
      if (t.state() != v1::TRIAL_STATE_RUNNING) continue;
      ASSERT_EQ(t.worker_ids_size(), t.world_size());
      for (const std::string& w : t.worker_ids()) {
        ASSERT_TRUE(in_group.insert(w).second) << "worker " << w << " in two running groups";
      }
    }
    ASSERT_LE(restarts, max_restarts);
  }
  std::map<std::string, int> epochs_;       // trial/generation -> epochs trained
  std::map<std::string, int> start_epoch_;  // trial -> epoch of its latest checkpoint
};

TEST_P(CoordinatorChaosTest, InvariantsHoldAndEveryScanEnds) {
  std::mt19937_64 rng(GetParam());
  const int max_restarts = 4;
  const std::string scan_id = Submit(
      SpecYaml("  name: asha\n  max_trials: 6\n  max_epochs: 4\n  divisor: 2\n  max_rungs: 3\n",
               "  min_workers: 1\n  max_workers: 2\n  max_concurrent_trials: 3\n",
               "  x: {type: double, minval: 0.0, maxval: 1.0}\n",
               absl::StrCat("max_restarts: ", max_restarts, "\nseed: ", GetParam(), "\n")));
  for (int i = 0; i < 4; ++i) AddWorker(i < 2 ? "node1" : "node2");
  std::set<FakeWorker*> silent;
  for (int iter = 0; iter < 600 && GetScan(scan_id).state() == v1::SCAN_STATE_RUNNING; ++iter) {
    FakeWorker& w = *workers_[rng() % workers_.size()];
    const int dice = static_cast<int>(rng() % 100);
    if (dice < 3 && w.current) {
      ASSERT_TRUE(Fail(w, v1::FAILURE_KIND_PEER_LOST).ok());
    } else if (dice < 5 && w.current) {  // w dies or drains; the rest of its group suspends
      const bool drain = rng() % 2 == 0;
      const std::string key = Key(*w.current);
      for (auto& fw : workers_) {
        if (fw.get() != &w && fw->current && Key(*fw->current) == key && !silent.count(fw.get())) {
          (void)Suspend(*fw, drain ? v1::SUSPEND_CAUSE_PEER_LEFT : v1::SUSPEND_CAUSE_PEER_FAILED,
                        1 + static_cast<int64_t>(rng() % 50));
        }
      }
      if (drain) {
        (void)Deregister(w);  // comes back below: its next heartbeat fails, it registers again
      } else {
        silent.insert(&w);
      }
    } else if (dice < 6) {
      silent.insert(&w);  // stops heartbeating until it re-attaches below
    } else if (dice < 7) {
      StopCoordinator();
      StartCoordinator();
      for (auto& fw : workers_) Reattach(*fw);
      silent.clear();
    } else if (w.current && w.current->rank() == 0 && !silent.count(&w)) {
      const v1::Assignment a = *w.current;
      if (!epochs_.count(Key(a))) epochs_[Key(a)] = start_epoch_[a.trial_id()];
      const int epoch = ++epochs_[Key(a)];
      ASSERT_TRUE(Validate(w, epoch, static_cast<double>(rng() % 1000) / 1000.0).ok());
      ASSERT_TRUE(Checkpoint(w, Path(a, epoch), epoch, epoch * 10).ok());
      start_epoch_[a.trial_id()] = epoch;
      if (epoch >= a.max_epochs()) {
        for (auto& fw : workers_) {
          if (fw->current && Key(*fw->current) == Key(a)) {
            ASSERT_TRUE(Finish(*fw, epoch).ok());
          }
        }
      }
    }
    for (auto& fw : workers_) {
      if (silent.count(fw.get())) continue;
      AnswerStops(*fw);
      if (!Heartbeat(*fw, iter).ok()) Reattach(*fw);  // its session was closed (GONE)
    }
    if (rng() % 10 == 0) {  // silent workers come back (re-register) now and then
      for (FakeWorker* fw : silent) Reattach(*fw);
      silent.clear();
    }
    Advance(absl::Seconds(silent.empty() ? 1 : 4));
    ASSERT_NO_FATAL_FAILURE(CheckInvariants(scan_id, max_restarts));
  }
  const v1::Scan scan = GetScan(scan_id);
  EXPECT_TRUE(scan.state() == v1::SCAN_STATE_COMPLETED || scan.state() == v1::SCAN_STATE_FAILED)
      << v1::ScanState_Name(scan.state());
  EXPECT_EQ(scan.trials().total(), 6);
  for (const v1::Trial& t : Trials(scan_id)) {
    EXPECT_TRUE(t.state() == v1::TRIAL_STATE_COMPLETED || t.state() == v1::TRIAL_STATE_STOPPED ||
                t.state() == v1::TRIAL_STATE_FAILED)
        << t.id() << " " << v1::TrialState_Name(t.state());
  }
  for (auto& fw : workers_) {
    AnswerStops(*fw);
    Reattach(*fw);
  }
  Advance(absl::Seconds(1));
  const auto listed = coordinator_->ListWorkers({});
  ASSERT_TRUE(listed.ok());
  for (const v1::Worker& w : listed->workers()) {
    EXPECT_EQ(w.state(), v1::WORKER_STATE_IDLE) << w.id() << " still bound to " << w.trial_id();
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, CoordinatorChaosTest, ::testing::Range(1, 11));

}  // namespace
}  // namespace cascade::coordinator::testing
