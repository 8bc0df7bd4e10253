// Coordinator restarts: nothing acknowledged is lost, groups re-attach (keep_current) or are
// restarted when the grace window expires, and ASHA's rungs survive a restart (checked against
// the searcher library's own reference simulation).
#include <deque>
#include <map>
#include <set>

#include "common/scan/searcher/make_search_method.h"
#include "common/scan/searcher/simulation.h"
#include "common/scan/spec_parser.h"
#include "gmock/gmock.h"
#include "tests/unit/coordinator/core/coordinator_harness.h"

namespace cascade::coordinator::testing {
namespace {

using CoordinatorRecoveryTest = CoordinatorHarness;

TEST_F(CoordinatorRecoveryTest, RestartLosesNothingAcknowledgedAndGroupsReattach) {
  const std::string scan_id =
      Submit(SpecYaml("  name: grid\n", "  workers_per_trial: 1\n",
                      "  lr: {type: categorical, vals: [0.001, 0.002]}\n", "epochs: 2\n"));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current && b.current);
  const std::string ta = a.current->trial_id(), tb = b.current->trial_id();
  ASSERT_TRUE(Validate(a, 1, 0.25).ok());
  ASSERT_TRUE(Checkpoint(a, "/ckpt/a1.h5", 1, 10).ok());
  v1::WorkerMessage step;
  step.mutable_step_metrics()->set_trial_id(ta);
  step.mutable_step_metrics()->mutable_metrics()->set_step(11);
  ASSERT_TRUE(Send(a, step).ok());

  StopCoordinator();
  now_ += absl::Seconds(5);
  StartCoordinator();

  v1::Scan scan = GetScan(scan_id);
  EXPECT_EQ(scan.state(), v1::SCAN_STATE_RUNNING);
  EXPECT_EQ(scan.trials().running(), 2);
  EXPECT_EQ(scan.best_trial_id(), ta);
  v1::Trial t = GetTrial(ta);
  EXPECT_EQ(t.latest_checkpoint().path(), "/ckpt/a1.h5");
  EXPECT_EQ(t.epochs_completed(), 1);
  EXPECT_DOUBLE_EQ(t.best_metric(), 0.25);
  v1::ListMetricsRequest mreq;
  mreq.set_trial_id(ta);
  EXPECT_EQ(coordinator_->ListMetrics(mreq)->records_size(), 2) << "validation + step";
  const auto listed = coordinator_->ListWorkers({});
  ASSERT_TRUE(listed.ok());
  for (const auto& w : listed->workers()) {
    EXPECT_EQ(w.state(), v1::WORKER_STATE_LOST);
  }

  // `a` re-attaches and keeps training; `b` never comes back.
  EXPECT_TRUE(Reattach(a));
  EXPECT_TRUE(a.sink->Assignments().empty()) << "a kept assignment is not sent again";
  EXPECT_EQ(*coordinator_->RendezvousPrefix(a.id), "trial/" + ta + "/gen/1");
  FakeWorker& c = AddWorker();
  for (int i = 0; i < 29; ++i) {
    ASSERT_TRUE(Heartbeat(a).ok());
    ASSERT_TRUE(Heartbeat(c).ok());
    Advance(absl::Seconds(1));
  }
  EXPECT_EQ(GetTrial(tb).state(), v1::TRIAL_STATE_RUNNING) << "waits for the grace window";
  EXPECT_FALSE(c.current.has_value());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Heartbeat(a).ok());
    ASSERT_TRUE(Heartbeat(c).ok());
    Advance(absl::Seconds(1));
  }
  ASSERT_TRUE(c.current.has_value());
  EXPECT_EQ(c.current->trial_id(), tb);
  EXPECT_EQ(c.current->generation(), 2);
  EXPECT_EQ(GetTrial(tb).restarts(), 1);

  // The late `b` re-registers with its stale assignment: told to drop it.
  EXPECT_FALSE(Reattach(b));
  ASSERT_TRUE(Validate(a, 2, 0.2).ok());
  ASSERT_TRUE(Finish(a, 2).ok());
  ASSERT_TRUE(Validate(c, 1, 0.5).ok());
  ASSERT_TRUE(Validate(c, 2, 0.4).ok());
  ASSERT_TRUE(Finish(c, 2).ok());
  scan = GetScan(scan_id);
  EXPECT_EQ(scan.state(), v1::SCAN_STATE_COMPLETED);
  EXPECT_EQ(scan.trials().completed(), 2);
  EXPECT_EQ(scan.best_trial_id(), ta);
  EXPECT_DOUBLE_EQ(scan.best_metric(), 0.2);
}

TEST_F(CoordinatorRecoveryTest, RanksFinishingAtDifferentTimesCompleteTheTrialAcrossARestart) {
  const std::string scan_id = Submit(
      SpecYaml("  name: grid\n", "  workers_per_trial: 2\n", "  lr: 0.001\n", "epochs: 1\n"));
  FakeWorker& a = AddWorker();
  FakeWorker& b = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(a.current && b.current);
  const std::string trial_id = a.current->trial_id();
  FakeWorker& rank0 = a.current->rank() == 0 ? a : b;
  FakeWorker& rank1 = a.current->rank() == 0 ? b : a;
  ASSERT_TRUE(Validate(rank0, 1, 0.3).ok());
  ASSERT_TRUE(Finish(rank1, 1).ok());
  for (int i = 0; i < 5; ++i) {
    HeartbeatAll();
    Advance(absl::Seconds(1));
  }
  EXPECT_EQ(GetTrial(trial_id).state(), v1::TRIAL_STATE_RUNNING);
  EXPECT_EQ(GetTrial(trial_id).restarts(), 0) << "a finished rank is not a lost member";
  StopCoordinator();
  StartCoordinator();
  EXPECT_TRUE(Reattach(rank0));
  EXPECT_FALSE(Reattach(rank1));
  HeartbeatAll();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(Finish(rank0, 1).ok());
  v1::Trial t = GetTrial(trial_id);
  EXPECT_EQ(t.state(), v1::TRIAL_STATE_COMPLETED);
  EXPECT_EQ(t.restarts(), 0);
  EXPECT_EQ(GetScan(scan_id).state(), v1::SCAN_STATE_COMPLETED);
}

TEST_F(CoordinatorRecoveryTest, SessionEndsMakeWorkersLostUntilTheyComeBack) {
  Submit(SpecYaml("  name: grid\n", "  workers_per_trial: 1\n", "  lr: 0.001\n", "epochs: 1\n"));
  FakeWorker& w = AddWorker();
  Advance(absl::Seconds(1));
  ASSERT_TRUE(w.current.has_value());
  auto state = [&] { return coordinator_->ListWorkers({})->workers(0).state(); };
  // A stale stream ending after the worker opened a new session changes nothing.
  std::shared_ptr<FakeSink> old_sink = w.sink;
  EXPECT_TRUE(Reattach(w));
  coordinator_->CloseSession(w.id, old_sink.get(), now_);
  EXPECT_EQ(state(), v1::WORKER_STATE_BUSY);
  EXPECT_TRUE(old_sink->closed.has_value()) << "the replaced session was closed";
  // The current stream ends: LOST, and not placed anywhere; a new session brings it back.
  coordinator_->CloseSession(w.id, w.sink.get(), now_);
  EXPECT_EQ(state(), v1::WORKER_STATE_LOST);
  EXPECT_EQ(Heartbeat(w).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Reattach(w)) << "within heartbeat_timeout the group is intact";
  EXPECT_EQ(state(), v1::WORKER_STATE_BUSY);
  // Silent past heartbeat_timeout on an open session: LOST, its group restarts; its next message
  // revives it as an idle worker, and the trial is placed again at a new generation.
  const std::string trial_id = w.current->trial_id();
  Advance(absl::Seconds(11));
  EXPECT_EQ(state(), v1::WORKER_STATE_LOST);
  EXPECT_EQ(GetTrial(trial_id).restarts(), 1);
  w.current.reset();
  EXPECT_TRUE(Heartbeat(w).ok());
  EXPECT_EQ(state(), v1::WORKER_STATE_IDLE);
  Advance(absl::Seconds(1));
  ASSERT_TRUE(w.current.has_value());
  EXPECT_EQ(w.current->generation(), 2);
}

TEST_F(CoordinatorRecoveryTest, UnknownWorkerSessionIsFailedPrecondition) {
  auto sink = std::make_shared<FakeSink>();
  EXPECT_EQ(coordinator_->OpenSession("w-777777", sink, now_).code(),
            absl::StatusCode::kFailedPrecondition);
  v1::WorkerMessage m;
  m.mutable_heartbeat();
  EXPECT_EQ(coordinator_->HandleWorkerMessage("w-777777", m, now_).code(),
            absl::StatusCode::kFailedPrecondition);
}

// ASHA on a synthetic objective, driven in the same order as scan::Simulation (round robin over
// live trials, one epoch each), with a coordinator restart half-way: the trials stopped and the
// epochs they trained must match the reference simulation of a searcher that never restarted.
TEST_F(CoordinatorRecoveryTest, AshaStopsTheRightTrialsAtTheRightRungsAcrossARestart) {
  const std::string yaml =
      SpecYaml("  name: asha\n  max_trials: 10\n  max_epochs: 4\n  divisor: 2\n  max_rungs: 3\n",
               "  workers_per_trial: 1\n  max_concurrent_trials: 3\n",
               "  x: {type: double, minval: 0.0, maxval: 1.0}\n", "seed: 7\n");
  auto objective = [](double x, int epoch) { return x + 1.0 / epoch; };
  const std::string scan_id = Submit(yaml);
  for (int i = 0; i < 3; ++i) AddWorker();
  Advance(absl::Seconds(1));

  std::deque<std::string> queue;
  std::set<std::string> seen;
  std::map<std::string, int> epochs;
  std::map<std::string, v1::Trial> by_id;
  auto refresh = [&] {
    for (const v1::Trial& t : Trials(scan_id)) {
      by_id[t.id()] = t;
      if (seen.insert(t.id()).second) queue.push_back(t.id());
    }
  };
  refresh();
  int steps = 0;
  while (!queue.empty() && GetScan(scan_id).state() == v1::SCAN_STATE_RUNNING) {
    ASSERT_LT(++steps, 200);
    if (steps == 12) {  // restart the coordinator mid-scan; every worker re-attaches
      StopCoordinator();
      StartCoordinator();
      for (auto& w : workers_) {
        const bool training = w->current.has_value();
        EXPECT_EQ(Reattach(*w), training) << w->id;
      }
    }
    const std::string id = queue.front();
    queue.pop_front();
    FakeWorker* w = nullptr;
    for (auto& fw : workers_) {
      if (fw->current && fw->current->trial_id() == id) w = fw.get();
    }
    ASSERT_NE(w, nullptr) << "trial " << id << " not placed";
    const int epoch = ++epochs[id];
    queue.push_back(id);
    ASSERT_TRUE(
        Validate(*w, epoch, objective(by_id[id].hparams().at("x").double_value(), epoch)).ok());
    const v1::TrialState state = GetTrial(id).state();
    if (state == v1::TRIAL_STATE_STOPPED || epoch >= 4) {
      if (state == v1::TRIAL_STATE_STOPPED) {
        EXPECT_FALSE(w->sink->Stops().empty());
      }
      ASSERT_TRUE(Finish(*w, epoch).ok());
      queue.erase(std::find(queue.begin(), queue.end(), id));
    }
    refresh();
    HeartbeatAll();
    Advance(absl::Seconds(1));
  }
  EXPECT_EQ(GetScan(scan_id).state(), v1::SCAN_STATE_COMPLETED);

  auto spec = scan::ParseScanSpec(yaml);
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto method = scan::MakeSearchMethod(*spec);
  auto reference = scan::Simulate(*method, [&](const scan::Create& c, int epoch) {
    return objective(std::get<double>(c.hparams.at("x")), epoch);
  });
  ASSERT_TRUE(reference.ok()) << reference.status();
  ASSERT_EQ(by_id.size(), reference->size());
  EXPECT_EQ(by_id.size(), 10u);
  int stopped = 0;
  for (const auto& [id, trial] : by_id) {
    const scan::SimulatedTrial& ref = reference->at(trial.request_id());
    const v1::Trial final_state = GetTrial(id);
    EXPECT_EQ(epochs[id], ref.epochs_trained) << id;
    EXPECT_EQ(final_state.state() == v1::TRIAL_STATE_STOPPED, ref.stopped) << id;
    EXPECT_DOUBLE_EQ(trial.hparams().at("x").double_value(),
                     std::get<double>(ref.create.hparams.at("x")));
    stopped += ref.stopped;
  }
  EXPECT_GT(stopped, 0) << "the objective must make ASHA stop someone";
  EXPECT_LT(stopped, static_cast<int>(by_id.size()));
}

}  // namespace
}  // namespace cascade::coordinator::testing
