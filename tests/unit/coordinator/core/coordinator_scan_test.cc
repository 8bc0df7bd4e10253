// Scan lifecycle through the Coordinator: submit (validation, idempotency), placement, fake
// workers reporting validations, completion, best trial, watch streams.
#include <map>
#include <set>

#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const char kGridHparams[] =
    "  lr: {type: categorical, vals: [0.001, 0.002]}\n"
    "  batch_per_worker: {type: categorical, vals: [32, 64]}\n";

std::string GridSpec(const std::string& resources = "  min_workers: 1\n  max_workers: 2\n") {
  return SpecYaml("  name: grid\n", resources, kGridHparams, "epochs: 2\n");
}

// Synthetic objective: the physics metric of a trial is a function of its hyperparameters.
double Objective(const v1::Assignment& a, int epoch) {
  return a.hparams().at("lr").double_value() * 1000 +
         a.hparams().at("batch_per_worker").int_value() / 32.0 + 1.0 / epoch;
}

using CoordinatorScanTest = CoordinatorHarness;

TEST_F(CoordinatorScanTest, BadSpecIsInvalidArgumentNamingTheField) {
  v1::SubmitScanRequest req;
  req.set_spec_yaml(
      SpecYaml("  name: grid\n  max_trials: 3\n", "  workers_per_trial: 1\n", kGridHparams));
  auto resp = coordinator_->SubmitScan({"alice", rpc::Role::kUser}, req, now_);
  ASSERT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(resp.status().message()), StartsWith("searcher.max_trials"));
  req.set_spec_yaml(GridSpec() + "model:\n  filtrs: 16\n");
  resp = coordinator_->SubmitScan({"alice", rpc::Role::kUser}, req, now_);
  ASSERT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(resp.status().message()), HasSubstr("model.filtrs"));
  EXPECT_TRUE(coordinator_->ListScans({})->scans().empty());
}

TEST_F(CoordinatorScanTest, ValidateOnlyStoresNothing) {
  v1::SubmitScanRequest req;
  req.set_spec_yaml(GridSpec());
  req.set_validate_only(true);
  auto resp = coordinator_->SubmitScan({"alice", rpc::Role::kUser}, req, now_);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->trials_planned(), 4);
  EXPECT_FALSE(resp->has_scan());
  EXPECT_TRUE(coordinator_->ListScans({})->scans().empty());
}

TEST_F(CoordinatorScanTest, RetriedSubmitWithSameRequestIdReturnsTheSameScan) {
  const std::string a = Submit(GridSpec(), "req-1");
  const std::string b = Submit(GridSpec(), "req-1");
  EXPECT_EQ(a, b);
  EXPECT_EQ(coordinator_->ListScans({})->scans_size(), 1);
  EXPECT_EQ(GetScan(a).trials().total(), 4);
  EXPECT_NE(Submit(GridSpec(), "req-2"), a);
}

TEST_F(CoordinatorScanTest, GridScanRunsToCompletionAndPicksTheBestTrial) {
  const std::string scan_id = Submit(GridSpec());
  v1::Scan scan = GetScan(scan_id);
  EXPECT_EQ(scan.state(), v1::SCAN_STATE_RUNNING);
  EXPECT_EQ(scan.owner(), "alice");
  EXPECT_EQ(scan.trials().pending(), 4);
  for (int i = 0; i < 3; ++i) AddWorker();
  std::map<std::string, double> final_metric;
  for (int round = 0; round < 10 && GetScan(scan_id).state() == v1::SCAN_STATE_RUNNING; ++round) {
    Advance(absl::Seconds(1));
    // Never over-committed: each worker trains at most one trial, each trial's ranks distinct.
    std::map<std::string, std::set<int>> ranks;
    for (auto& w : workers_) {
      if (!w->current) continue;
      EXPECT_TRUE(ranks[w->current->trial_id()].insert(w->current->rank()).second);
    }
    for (const auto& [trial_id, r] : ranks) {
      EXPECT_EQ(static_cast<int>(r.size()), GetTrial(trial_id).world_size());
    }
    for (auto& w : workers_) {
      if (!w->current) continue;
      const v1::Assignment a = *w->current;
      EXPECT_EQ(a.scan_id(), scan_id);
      EXPECT_EQ(a.max_epochs(), 2);
      EXPECT_EQ(a.rendezvous_prefix(),
                "trial/" + a.trial_id() + "/gen/" + std::to_string(a.generation()));
      EXPECT_EQ(a.checkpoint_dir(),
                options_.checkpoint_root + "/checkpoints/" + scan_id + "/" + a.trial_id());
      EXPECT_EQ(a.data().simulate().events(), 100);
      EXPECT_EQ(a.model().latent_size(), 200);
      EXPECT_EQ(a.commit_every_steps(), 50);
      EXPECT_EQ(a.validation_events(), 500);
      if (a.rank() == 0) {
        for (int e = 1; e <= 2; ++e) ASSERT_TRUE(Validate(*w, e, Objective(a, e)).ok());
        final_metric[a.trial_id()] = Objective(a, 2);
      }
    }
    for (auto& w : workers_) {
      if (w->current) {
        ASSERT_TRUE(Finish(*w, 2).ok());
      }
    }
  }
  scan = GetScan(scan_id);
  EXPECT_EQ(scan.state(), v1::SCAN_STATE_COMPLETED);
  EXPECT_EQ(scan.trials().completed(), 4);
  ASSERT_EQ(final_metric.size(), 4u);
  auto best = std::min_element(final_metric.begin(), final_metric.end(),
                               [](auto& a, auto& b) { return a.second < b.second; });
  EXPECT_EQ(scan.best_trial_id(), best->first);
  EXPECT_DOUBLE_EQ(scan.best_metric(), best->second);
  for (const v1::Trial& t : Trials(scan_id)) {
    EXPECT_EQ(t.state(), v1::TRIAL_STATE_COMPLETED);
    EXPECT_EQ(t.epochs_completed(), 2);
    EXPECT_TRUE(t.has_best_metric());
    EXPECT_DOUBLE_EQ(t.best_metric(), final_metric[t.id()]);
  }
  // Validations are stored (durable before the worker's call returned).
  v1::ListMetricsRequest mreq;
  mreq.set_trial_id(best->first);
  mreq.set_kind(v1::METRIC_KIND_VALIDATION);
  EXPECT_EQ(coordinator_->ListMetrics(mreq)->records_size(), 2);
  // All workers idle again.
  auto workers = coordinator_->ListWorkers({});
  for (const auto& w : workers->workers()) EXPECT_EQ(w.state(), v1::WORKER_STATE_IDLE);
}

TEST_F(CoordinatorScanTest, ThreeWorkersFourTrialsPlaceThreeGroupsOfOne) {
  const std::string scan_id = Submit(GridSpec());
  for (int i = 0; i < 3; ++i) AddWorker();
  Advance(absl::Seconds(1));
  EXPECT_EQ(GetScan(scan_id).trials().running(), 3);
  for (auto& w : workers_) {
    ASSERT_TRUE(w->current.has_value());
    EXPECT_EQ(w->current->world_size(), 1);
  }
}

TEST_F(CoordinatorScanTest, WatchStreamsSnapshotThenChangesUntilTheScanEnds) {
  const std::string scan_id = Submit(
      SpecYaml("  name: grid\n", "  workers_per_trial: 1\n", "  lr: 0.001\n", "epochs: 1\n"));
  std::vector<v1::ScanEvent> all, no_steps;
  v1::WatchScanRequest req;
  req.set_scan_id(scan_id);
  req.set_include_step_metrics(true);
  ASSERT_TRUE(coordinator_
                  ->Watch(req,
                          [&](const v1::ScanEvent& e) {
                            all.push_back(e);
                            return true;
                          })
                  .ok());
  req.set_include_step_metrics(false);
  ASSERT_TRUE(coordinator_
                  ->Watch(req,
                          [&](const v1::ScanEvent& e) {
                            no_steps.push_back(e);
                            return true;
                          })
                  .ok());
  FakeWorker& w = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(w.current.has_value());
  v1::WorkerMessage step;
  step.mutable_step_metrics()->set_trial_id(w.current->trial_id());
  step.mutable_step_metrics()->mutable_metrics()->set_step(5);
  ASSERT_TRUE(Send(w, step).ok());
  ASSERT_TRUE(Validate(w, 1, 0.5).ok());
  ASSERT_TRUE(Finish(w, 1).ok());
  const size_t after_end = all.size();
  Advance(absl::Seconds(1));
  EXPECT_EQ(all.size(), after_end) << "no event after the final one";

  ASSERT_GE(all.size(), 4u);
  EXPECT_TRUE(all.front().has_scan());
  EXPECT_TRUE(all.back().has_scan());
  EXPECT_EQ(all.back().scan().state(), v1::SCAN_STATE_COMPLETED);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].sequence(), static_cast<int64_t>(i + 1));
  auto count_steps = [](const std::vector<v1::ScanEvent>& ev) {
    return std::count_if(ev.begin(), ev.end(), [](const v1::ScanEvent& e) {
      return e.has_metric() && e.metric().has_step();
    });
  };
  EXPECT_EQ(count_steps(all), 1);
  EXPECT_EQ(count_steps(no_steps), 0);
  EXPECT_EQ(no_steps.size(), all.size() - 1);
  EXPECT_TRUE(std::any_of(no_steps.begin(), no_steps.end(), [](const v1::ScanEvent& e) {
    return e.has_metric() && e.metric().has_validation();
  }));

  v1::WatchScanRequest unknown;
  unknown.set_scan_id("s-999999");
  EXPECT_EQ(coordinator_->Watch(unknown, [](const v1::ScanEvent&) { return true; }).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CoordinatorScanTest, StatsCountWorkersTrialsStepsAndHeartbeats) {
  Submit(GridSpec());
  FakeWorker& w = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(Heartbeat(w, 3).ok());
  CoordinatorStats stats = coordinator_->Stats();
  EXPECT_EQ(stats.workers_by_state["busy"], 1);
  EXPECT_EQ(stats.trials_by_state["running"], 1);
  EXPECT_EQ(stats.trials_by_state["pending"], 3);
  EXPECT_EQ(stats.heartbeats_total, 1);
}

}  // namespace
}  // namespace cascade::coordinator::testing
