// Shared helpers of the StateStore tests: records with every kind of field set, a scratch
// directory removed at the end of the test, and proto equality.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "coordinator/state/state_store.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace cascade::coordinator::testing {

inline google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

inline v1::Scan MakeScan(const std::string& name, v1::ScanState state) {
  v1::Scan scan;
  scan.set_name(name);
  scan.set_state(state);
  scan.set_owner("alice");
  scan.set_spec_yaml("name: " + name + "\nsearcher: asha\n");
  scan.set_searcher("asha");
  scan.set_metric("sampling_fraction_mre");
  scan.set_smaller_is_better(true);
  *scan.mutable_created_at() = Ts(1800000000, 123000);
  scan.mutable_trials()->set_total(4);
  scan.mutable_trials()->set_running(2);
  return scan;
}

inline v1::Trial MakeTrial(const std::string& scan_id, v1::TrialState state) {
  v1::Trial trial;
  trial.set_scan_id(scan_id);
  trial.set_request_id(7);
  trial.set_state(state);
  (*trial.mutable_hparams())["lr"].set_double_value(1e-3);
  (*trial.mutable_hparams())["batch"].set_int_value(64);
  (*trial.mutable_hparams())["opt"].set_string_value("rmsprop");
  trial.set_seed(42);
  trial.set_max_epochs(30);
  trial.add_worker_ids("w-000001");
  trial.add_worker_ids("w-000002");
  v1::GroupGeneration* generation = trial.add_generations();
  generation->set_generation(1);
  generation->set_world_size(2);
  generation->set_reason("initial");
  (*trial.mutable_provenance()->mutable_dataset_sha256())["/data/a.h5"] = "abc123";
  trial.mutable_latest_checkpoint()->set_path("/ckpt/t/epoch-3.h5");
  return trial;
}

inline v1::Worker MakeWorker(const std::string& hostname) {
  v1::Worker worker;
  worker.mutable_info()->set_hostname(hostname);
  worker.mutable_info()->set_cpus(8);
  worker.mutable_info()->set_cpu_isa("avx512_core");
  worker.set_state(v1::WORKER_STATE_IDLE);
  *worker.mutable_registered_at() = Ts(1800000100);
  return worker;
}

inline v1::MetricRecord StepRecord(const std::string& trial_id, int64_t step) {
  v1::MetricRecord record;
  record.set_trial_id(trial_id);
  *record.mutable_time() = Ts(1800000000 + step);
  record.mutable_step()->set_step(step);
  record.mutable_step()->set_generator_loss(0.5f + static_cast<float>(step));
  record.mutable_step()->set_steps_aggregated(1);
  return record;
}

inline v1::MetricRecord ValidationRecord(const std::string& trial_id, int32_t epoch, int64_t step) {
  v1::MetricRecord record;
  record.set_trial_id(trial_id);
  record.mutable_validation()->set_epoch(epoch);
  record.mutable_validation()->set_step(step);
  record.mutable_validation()->set_sampling_fraction_mre(0.1 / epoch);
  (*record.mutable_validation()->mutable_observables())["shower_depth_w1"] = 0.25 * epoch;
  return record;
}

inline std::string FormatWorkerId(int64_t number) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "w-%06lld", static_cast<long long>(number));
  return buffer;
}

inline bool ProtoEquals(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// A fresh directory under the test temp dir, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string base = ::testing::TempDir();
    if (!base.empty() && base.back() == '/') base.pop_back();
    std::string pattern = base + "/state_store_XXXXXX";
    const char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::unique_ptr<StateStore> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(store).value() : nullptr;
}

}  // namespace cascade::coordinator::testing
