#include "tests/unit/coordinator/core/coordinator_harness.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "coordinator/state/state_store.h"

namespace cascade::coordinator::testing {

std::vector<v1::Assignment> FakeSink::Assignments() const {
  std::vector<v1::Assignment> out;
  for (const auto& m : messages) {
    if (m.has_assignment()) out.push_back(m.assignment());
  }
  return out;
}

std::vector<v1::StopTrial> FakeSink::Stops() const {
  std::vector<v1::StopTrial> out;
  for (const auto& m : messages) {
    if (m.has_command() && m.command().has_stop_trial()) out.push_back(m.command().stop_trial());
  }
  return out;
}

std::vector<v1::Regroup> FakeSink::Regroups() const {
  std::vector<v1::Regroup> out;
  for (const auto& m : messages) {
    if (m.has_command() && m.command().has_regroup()) out.push_back(m.command().regroup());
  }
  return out;
}

std::string SpecYaml(const std::string& searcher, const std::string& resources,
                     const std::string& hyperparameters, const std::string& extra) {
  return absl::StrCat("name: test-scan\n", "data:\n  simulate:\n    events: 100\n    files: 2\n",
                      "hyperparameters:\n", hyperparameters, "searcher:\n", searcher,
                      "resources:\n", resources, extra);
}

void CoordinatorHarness::SetUp() {
  dir_ = std::filesystem::temp_directory_path() /
         absl::StrCat("coordinator_core_test_", getpid(), "_",
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  db_path_ = (dir_ / "state.db").string();
  options_.heartbeat_timeout = absl::Seconds(10);
  options_.reattach_grace = absl::Seconds(30);
  options_.progress_timeout = absl::Minutes(10);
  options_.checkpoint_root = (dir_ / "ckpt-root").string();
  StartCoordinator();
}

void CoordinatorHarness::TearDown() {
  coordinator_.reset();
  std::filesystem::remove_all(dir_);
}

void CoordinatorHarness::StartCoordinator() {
  auto store = StateStore::Open(db_path_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto c = Coordinator::Create(*std::move(store), options_, now_);
  ASSERT_TRUE(c.ok()) << c.status();
  coordinator_ = *std::move(c);
}

void CoordinatorHarness::Advance(absl::Duration d) {
  now_ += d;
  coordinator_->Tick(now_);
  for (auto& w : workers_) Poll(*w);
}

std::string CoordinatorHarness::Submit(const std::string& yaml, const std::string& request_id) {
  v1::SubmitScanRequest req;
  req.set_spec_yaml(yaml);
  req.set_request_id(request_id);
  auto resp = coordinator_->SubmitScan({"alice", rpc::Role::kUser}, req, now_);
  EXPECT_TRUE(resp.ok()) << resp.status();
  return resp.ok() ? resp->scan().id() : "";
}

FakeWorker& CoordinatorHarness::AddWorker(const std::string& hostname) {
  auto w = std::make_unique<FakeWorker>();
  v1::RegisterRequest req;
  req.mutable_info()->set_hostname(hostname);
  req.mutable_info()->set_cpus(4);
  auto resp = coordinator_->Register({"pool", rpc::Role::kWorker}, req, now_);
  EXPECT_TRUE(resp.ok()) << resp.status();
  w->id = resp->worker_id();
  w->sink = std::make_shared<FakeSink>();
  EXPECT_TRUE(coordinator_->OpenSession(w->id, w->sink, now_).ok());
  workers_.push_back(std::move(w));
  return *workers_.back();
}

bool CoordinatorHarness::Reattach(FakeWorker& w) {
  v1::RegisterRequest req;
  req.set_worker_id(w.id);
  req.mutable_info()->set_hostname("node1");
  if (w.current.has_value()) *req.mutable_current() = *w.current;
  auto resp = coordinator_->Register({"pool", rpc::Role::kWorker}, req, now_);
  EXPECT_TRUE(resp.ok()) << resp.status();
  if (!resp->keep_current()) w.current.reset();
  w.sink = std::make_shared<FakeSink>();
  EXPECT_TRUE(coordinator_->OpenSession(w.id, w.sink, now_).ok());
  Poll(w);
  return resp->keep_current();
}

void CoordinatorHarness::Poll(FakeWorker& w) {
  for (const auto& m : w.sink->messages) {
    if (m.has_assignment()) w.current = m.assignment();
  }
  w.sink->messages.erase(
      std::remove_if(w.sink->messages.begin(), w.sink->messages.end(),
                     [](const v1::CoordinatorMessage& m) { return m.has_assignment(); }),
      w.sink->messages.end());
}

absl::Status CoordinatorHarness::Send(FakeWorker& w, const v1::WorkerMessage& m) {
  return coordinator_->HandleWorkerMessage(w.id, m, now_);
}

absl::Status CoordinatorHarness::Heartbeat(FakeWorker& w, int64_t step) {
  v1::WorkerMessage m;
  if (w.current.has_value()) {
    m.mutable_heartbeat()->set_trial_id(w.current->trial_id());
    m.mutable_heartbeat()->set_generation(w.current->generation());
  }
  m.mutable_heartbeat()->set_step(step);
  return Send(w, m);
}

void CoordinatorHarness::HeartbeatAll() {
  for (auto& w : workers_) (void)Heartbeat(*w);
}

absl::Status CoordinatorHarness::Validate(FakeWorker& w, int epoch, double metric) {
  v1::WorkerMessage m;
  m.mutable_validation()->set_trial_id(w.current->trial_id());
  m.mutable_validation()->set_generation(w.current->generation());
  m.mutable_validation()->mutable_metrics()->set_epoch(epoch);
  m.mutable_validation()->mutable_metrics()->set_step(epoch * 10);
  m.mutable_validation()->mutable_metrics()->set_sampling_fraction_mre(metric);
  return Send(w, m);
}

absl::Status CoordinatorHarness::Checkpoint(FakeWorker& w, const std::string& path, int epoch,
                                            int64_t step) {
  v1::WorkerMessage m;
  m.mutable_checkpoint()->set_trial_id(w.current->trial_id());
  m.mutable_checkpoint()->set_generation(w.current->generation());
  m.mutable_checkpoint()->set_path(path);
  m.mutable_checkpoint()->set_epoch(epoch);
  m.mutable_checkpoint()->set_step(step);
  return Send(w, m);
}

absl::Status CoordinatorHarness::Finish(FakeWorker& w, int epochs) {
  v1::WorkerMessage m;
  m.mutable_finished()->set_trial_id(w.current->trial_id());
  m.mutable_finished()->set_generation(w.current->generation());
  m.mutable_finished()->set_epochs_completed(epochs);
  m.mutable_finished()->set_steps_completed(epochs * 10);
  w.current.reset();
  return Send(w, m);
}

absl::Status CoordinatorHarness::Fail(FakeWorker& w, v1::FailureKind kind) {
  v1::WorkerMessage m;
  m.mutable_failure()->set_trial_id(w.current->trial_id());
  m.mutable_failure()->set_generation(w.current->generation());
  m.mutable_failure()->set_rank(w.current->rank());
  m.mutable_failure()->set_kind(kind);
  m.mutable_failure()->set_message("injected");
  w.current.reset();
  return Send(w, m);
}

absl::Status CoordinatorHarness::Suspend(FakeWorker& w, v1::SuspendCause cause,
                                         int64_t committed_step, int64_t step) {
  v1::WorkerMessage m;
  v1::GroupSuspended* s = m.mutable_suspended();
  s->set_trial_id(w.current->trial_id());
  s->set_generation(w.current->generation());
  s->set_rank(w.current->rank());
  s->set_committed_step(committed_step);
  s->set_cause(cause);
  s->set_message("injected");
  s->set_step(step);
  return Send(w, m);  // keeps `current`: a suspended worker still holds its commit
}

absl::Status CoordinatorHarness::Deregister(FakeWorker& w, const std::string& reason) {
  v1::WorkerMessage m;
  m.mutable_deregister()->set_reason(reason);
  w.current.reset();
  return Send(w, m);
}

absl::Status CoordinatorHarness::Started(FakeWorker& w, int64_t start_step,
                                         const v1::Provenance& provenance) {
  v1::WorkerMessage m;
  m.mutable_started()->set_trial_id(w.current->trial_id());
  m.mutable_started()->set_generation(w.current->generation());
  m.mutable_started()->set_start_step(start_step);
  *m.mutable_started()->mutable_provenance() = provenance;
  return Send(w, m);
}

absl::Status CoordinatorHarness::TimedHeartbeat(FakeWorker& w, int64_t step, double step_seconds,
                                                int64_t committed_step, double wait_seconds) {
  v1::WorkerMessage m;
  v1::Heartbeat* hb = m.mutable_heartbeat();
  hb->set_trial_id(w.current->trial_id());
  hb->set_generation(w.current->generation());
  hb->set_rank(w.current->rank());
  hb->set_step(step);
  hb->set_committed_step(committed_step);
  hb->mutable_timing()->set_step_seconds_mean(static_cast<float>(step_seconds));
  hb->mutable_timing()->set_allreduce_wait_seconds_mean(static_cast<float>(wait_seconds));
  hb->mutable_timing()->set_steps(10);
  return Send(w, m);
}

v1::Scan CoordinatorHarness::GetScan(const std::string& id) {
  v1::GetScanRequest req;
  req.set_scan_id(id);
  auto resp = coordinator_->GetScan(req);
  EXPECT_TRUE(resp.ok()) << resp.status();
  return resp->scan();
}

std::vector<v1::Trial> CoordinatorHarness::Trials(const std::string& scan_id) {
  v1::GetScanRequest req;
  req.set_scan_id(scan_id);
  req.set_include_trials(true);
  auto resp = coordinator_->GetScan(req);
  EXPECT_TRUE(resp.ok()) << resp.status();
  return {resp->trials().begin(), resp->trials().end()};
}

v1::Trial CoordinatorHarness::GetTrial(const std::string& id) {
  v1::GetTrialRequest req;
  req.set_trial_id(id);
  auto resp = coordinator_->GetTrial(req);
  EXPECT_TRUE(resp.ok()) << resp.status();
  return resp->trial();
}

}  // namespace cascade::coordinator::testing
