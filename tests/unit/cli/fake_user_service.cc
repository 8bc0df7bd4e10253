#include "tests/unit/cli/fake_user_service.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <map>

namespace cascade::cli::testing {
namespace {

v1::HparamValue Double(double v) {
  v1::HparamValue value;
  value.set_double_value(v);
  return value;
}

v1::HparamValue Int(int64_t v) {
  v1::HparamValue value;
  value.set_int_value(v);
  return value;
}

v1::MetricRecord StepRecord(int64_t step, float g_loss) {
  v1::MetricRecord record;
  record.set_trial_id("t-000001");
  record.mutable_time()->set_seconds(1795000000 + step);
  auto* m = record.mutable_step();
  m->set_step(step);
  m->set_epoch(static_cast<int32_t>(step / 100));
  m->set_world_size(2);
  m->set_discriminator_loss_real(0.5f);
  m->set_discriminator_loss_fake(0.25f);
  m->set_generator_loss(g_loss);
  m->set_learning_rate(0.001f);
  m->set_samples_per_second(300);
  m->set_steps_aggregated(1);
  return record;
}

v1::MetricRecord ValidationRecord(int32_t epoch, double mre) {
  v1::MetricRecord record;
  record.set_trial_id("t-000001");
  record.mutable_time()->set_seconds(1795000000 + 100 * epoch);
  auto* m = record.mutable_validation();
  m->set_epoch(epoch);
  m->set_step(100 * epoch);
  m->set_sampling_fraction_mre(mre);
  m->set_generator_loss(3.5);
  (*m->mutable_observables())["shower_depth_w1"] = 0.125;
  return record;
}

v1::GroupGeneration Generation(int32_t number, std::vector<std::string> workers, int64_t start_step,
                               const std::string& reason) {
  v1::GroupGeneration g;
  g.set_generation(number);
  g.set_world_size(static_cast<int32_t>(workers.size()));
  for (auto& w : workers) g.add_worker_ids(std::move(w));
  g.set_start_step(start_step);
  g.set_reason(reason);
  g.mutable_started_at()->set_seconds(1795000000 + 100 * number);
  return g;
}

}  // namespace

void FakeUserService::AddElasticHistory(v1::Trial& trial) {
  trial.set_generation(3);
  trial.set_restarts(1);
  trial.set_lr_scale(0.5);
  trial.clear_worker_ids();
  trial.add_worker_ids("w-000001");
  trial.add_worker_ids("w-000003");
  *trial.add_generations() = Generation(1, {"w-000001", "w-000002", "w-000003"}, 0, "initial");
  v1::GroupGeneration in_place =
      Generation(2, {"w-000001", "w-000003"}, 160, "worker w-000002 lost heartbeats");
  in_place.set_in_place(true);
  in_place.set_steps_lost(40);
  in_place.mutable_failed_at()->set_seconds(1795000195);
  in_place.mutable_failed_at()->set_nanos(500000000);
  in_place.mutable_resumed_at()->set_seconds(1795000198);
  in_place.mutable_resumed_at()->set_nanos(800000000);
  *trial.add_generations() = in_place;
  v1::GroupGeneration rollback =
      Generation(3, {"w-000001", "w-000003"}, 100, "GAN health guard: generator loss NaN");
  rollback.set_steps_lost(90);
  rollback.set_charged(true);
  rollback.mutable_failed_at()->set_seconds(1795000290);
  rollback.mutable_resumed_at()->set_seconds(1795000302);
  *trial.add_generations() = rollback;
  auto* p = trial.mutable_provenance();
  (*p->mutable_dataset_sha256())["/data/EleEscan_2_1.h5"] = std::string(64, 'b');
  (*p->mutable_dataset_sha256())["/data/EleEscan_1_1.h5"] = std::string(64, 'a');
  p->set_trial_seed(987654321);
  p->set_onednn_version("3.0.0");
  p->set_cpu_isa("avx512_core");
  p->set_gloo_algorithm("ring");
  p->set_gloo_timeout_ms(30000);
  p->set_cascade_version("0.4.0");
  p->set_model_filters("16");
}

v1::Scan FakeUserService::RunningScan() {
  v1::Scan scan;
  scan.set_id("s-000001");
  scan.set_name("lr-sweep");
  scan.set_state(v1::SCAN_STATE_RUNNING);
  scan.set_owner("alice");
  scan.set_searcher("grid");
  scan.set_metric("sampling_fraction_mre");
  scan.set_smaller_is_better(true);
  scan.mutable_created_at()->set_seconds(1795000000);
  scan.mutable_trials()->set_total(2);
  scan.mutable_trials()->set_running(1);
  scan.mutable_trials()->set_completed(1);
  scan.set_best_trial_id("t-000002");
  scan.set_best_metric(0.0625);
  return scan;
}

v1::Scan FakeUserService::CompletedScan() {
  v1::Scan scan = RunningScan();
  scan.set_id("s-000002");
  scan.set_name("done-scan");
  scan.set_state(v1::SCAN_STATE_COMPLETED);
  scan.clear_best_trial_id();
  return scan;
}

FakeUserService::FakeUserService() {
  scans_ = {CompletedScan(), RunningScan()};
  v1::Trial running;
  running.set_id("t-000001");
  running.set_scan_id("s-000001");
  running.set_state(v1::TRIAL_STATE_RUNNING);
  running.set_max_epochs(10);
  running.set_epochs_completed(2);
  running.set_steps_completed(250);
  running.set_world_size(2);
  (*running.mutable_hparams())["lr"] = Double(0.001);
  (*running.mutable_hparams())["batch_per_worker"] = Int(64);
  v1::Trial best = running;  // copied before the history: t-000002 never regrouped
  AddElasticHistory(running);
  best.set_id("t-000002");
  best.set_state(v1::TRIAL_STATE_COMPLETED);
  best.set_epochs_completed(10);
  best.set_has_best_metric(true);
  best.set_best_metric(0.0625);
  (*best.mutable_hparams())["lr"] = Double(0.0003);
  best.mutable_latest_checkpoint()->set_path("/ckpt/t-000002/ckpt-epoch-0010.h5");
  best.mutable_latest_checkpoint()->set_epoch(10);
  trials_ = {running, best};
  for (int i = 0; i < 2; ++i) {
    v1::Worker worker;
    worker.set_id("w-00000" + std::to_string(i + 1));
    worker.mutable_info()->set_hostname("node" + std::to_string(i + 1));
    worker.mutable_info()->set_cpus(8);
    worker.set_state(i == 0 ? v1::WORKER_STATE_BUSY : v1::WORKER_STATE_IDLE);
    if (i == 0) worker.set_trial_id("t-000001");
    workers_.push_back(worker);
  }
  metrics_ = {StepRecord(100, 4.0f), StepRecord(200, 3.0f), ValidationRecord(1, 0.5),
              StepRecord(300, 2.0f), ValidationRecord(2, 0.25)};
}

grpc::Status FakeUserService::Authorize(const grpc::ServerContext& context) const {
  auto it = context.client_metadata().find("authorization");
  if (it == context.client_metadata().end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing authorization header");
  }
  if (std::string(it->second.data(), it->second.size()) != std::string("Bearer ") + kToken) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token");
  }
  return grpc::Status::OK;
}

const v1::Scan* FakeUserService::FindScan(const std::string& id) const {
  for (const auto& scan : scans_) {
    if (scan.id() == id) return &scan;
  }
  return nullptr;
}

void FakeUserService::SetWatchScripts(std::vector<WatchScript> scripts) {
  std::lock_guard lock(mu_);
  watch_scripts_ = std::move(scripts);
  watch_calls_ = 0;
}
void FakeUserService::SetWorkers(std::vector<v1::Worker> workers) {
  std::lock_guard lock(mu_);
  workers_ = std::move(workers);
}
int FakeUserService::watch_calls() const {
  std::lock_guard lock(mu_);
  return watch_calls_;
}
v1::SubmitScanRequest FakeUserService::last_submit() const {
  std::lock_guard lock(mu_);
  return last_submit_;
}
v1::ListScansRequest FakeUserService::last_list_scans() const {
  std::lock_guard lock(mu_);
  return last_list_scans_;
}
int FakeUserService::submits() const {
  std::lock_guard lock(mu_);
  return submits_;
}

grpc::Status FakeUserService::SubmitScan(grpc::ServerContext* context,
                                         const v1::SubmitScanRequest* request,
                                         v1::SubmitScanResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  last_submit_ = *request;
  ++submits_;
  if (request->spec_yaml().find(kBadSpecMarker) != std::string::npos) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, kBadSpecMessage);
  }
  response->set_trials_planned(4);
  if (request->validate_only()) return grpc::Status::OK;
  v1::Scan scan = RunningScan();
  scan.set_id("s-000003");
  scan.set_name("submitted");
  *response->mutable_scan() = scan;
  return grpc::Status::OK;
}

grpc::Status FakeUserService::ListScans(grpc::ServerContext* context,
                                        const v1::ListScansRequest* request,
                                        v1::ListScansResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  last_list_scans_ = *request;
  // One scan per page, so the CLI must follow next_page_token.
  std::vector<v1::Scan> matching;
  for (const auto& scan : scans_) {
    const auto& states = request->states();
    if (states.empty() || std::find(states.begin(), states.end(), scan.state()) != states.end()) {
      matching.push_back(scan);
    }
  }
  const size_t index = request->page_token().empty() ? 0 : std::stoul(request->page_token());
  if (index < matching.size()) *response->add_scans() = matching[index];
  if (index + 1 < matching.size()) response->set_next_page_token(std::to_string(index + 1));
  return grpc::Status::OK;
}

grpc::Status FakeUserService::GetScan(grpc::ServerContext* context,
                                      const v1::GetScanRequest* request,
                                      v1::GetScanResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  const v1::Scan* scan = FindScan(request->scan_id());
  if (scan == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "scan " + request->scan_id() + " not found");
  }
  *response->mutable_scan() = *scan;
  if (request->include_trials()) {
    for (const auto& trial : trials_) {
      if (trial.scan_id() == scan->id()) *response->add_trials() = trial;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeUserService::WatchScan(grpc::ServerContext* context,
                                        const v1::WatchScanRequest* request,
                                        grpc::ServerWriter<v1::ScanEvent>* writer) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  WatchScript script;
  {
    std::lock_guard lock(mu_);
    if (FindScan(request->scan_id()) == nullptr) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "scan " + request->scan_id() + " not found");
    }
    const size_t call = static_cast<size_t>(watch_calls_++);
    if (call < watch_scripts_.size()) script = watch_scripts_[call];
  }
  for (const auto& event : script.events) {
    if (!writer->Write(event)) break;
  }
  return script.end;
}

namespace {

template <typename Response>
grpc::Status WithState(const v1::Scan* scan, const std::string& id, v1::ScanState state,
                       Response* response) {
  if (scan == nullptr)
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "scan " + id + " not found");
  *response->mutable_scan() = *scan;
  response->mutable_scan()->set_state(state);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status FakeUserService::CancelScan(grpc::ServerContext* context,
                                         const v1::CancelScanRequest* request,
                                         v1::CancelScanResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  return WithState(FindScan(request->scan_id()), request->scan_id(), v1::SCAN_STATE_CANCELED,
                   response);
}

grpc::Status FakeUserService::PauseScan(grpc::ServerContext* context,
                                        const v1::PauseScanRequest* request,
                                        v1::PauseScanResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  return WithState(FindScan(request->scan_id()), request->scan_id(), v1::SCAN_STATE_PAUSED,
                   response);
}

grpc::Status FakeUserService::ResumeScan(grpc::ServerContext* context,
                                         const v1::ResumeScanRequest* request,
                                         v1::ResumeScanResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  const v1::Scan* scan = FindScan(request->scan_id());
  if (scan != nullptr && scan->state() != v1::SCAN_STATE_PAUSED) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "scan " + request->scan_id() + " is not paused");
  }
  return WithState(scan, request->scan_id(), v1::SCAN_STATE_RUNNING, response);
}

grpc::Status FakeUserService::ListWorkers(grpc::ServerContext* context,
                                          const v1::ListWorkersRequest* request,
                                          v1::ListWorkersResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  const auto& states = request->states();
  for (const auto& worker : workers_) {
    if (states.empty() || std::find(states.begin(), states.end(), worker.state()) != states.end()) {
      *response->add_workers() = worker;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeUserService::GetTrial(grpc::ServerContext* context,
                                       const v1::GetTrialRequest* request,
                                       v1::GetTrialResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  for (const auto& trial : trials_) {
    if (trial.id() != request->trial_id()) continue;
    *response->mutable_trial() = trial;
    for (int epoch : {5, 8, 10}) {
      auto* ckpt = response->add_checkpoints();
      ckpt->set_trial_id(trial.id());
      ckpt->set_path("/ckpt/" + trial.id() + "/ckpt-epoch-00" + (epoch < 10 ? "0" : "") +
                     std::to_string(epoch) + ".h5");
      ckpt->set_epoch(epoch);
      ckpt->set_has_metric(true);
      ckpt->set_metric(epoch == 8 ? 0.0625 : 0.1);  // epoch 8 is the best, not the latest
    }
    return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::NOT_FOUND, "trial " + request->trial_id() + " not found");
}

grpc::Status FakeUserService::ListMetrics(grpc::ServerContext* context,
                                          const v1::ListMetricsRequest* request,
                                          v1::ListMetricsResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  std::lock_guard lock(mu_);
  if (request->trial_id() != "t-000001") {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "trial " + request->trial_id() + " not found");
  }
  std::vector<v1::MetricRecord> matching;
  for (const auto& record : metrics_) {
    if ((request->kind() == v1::METRIC_KIND_STEP && !record.has_step()) ||
        (request->kind() == v1::METRIC_KIND_VALIDATION && !record.has_validation())) {
      continue;
    }
    matching.push_back(record);
  }
  constexpr size_t kPage = 2;
  const size_t begin = request->page_token().empty() ? 0 : std::stoul(request->page_token());
  for (size_t i = begin; i < std::min(matching.size(), begin + kPage); ++i) {
    *response->add_records() = matching[i];
  }
  if (begin + kPage < matching.size()) response->set_next_page_token(std::to_string(begin + kPage));
  return grpc::Status::OK;
}

FakeCoordinator::FakeCoordinator() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
}

FakeCoordinator::~FakeCoordinator() { server_->Shutdown(); }

std::string FakeCoordinator::address() const { return "127.0.0.1:" + std::to_string(port_); }

}  // namespace cascade::cli::testing
