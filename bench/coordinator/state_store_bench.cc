// StateStore write throughput on a real file (WAL, synchronous=FULL: every commit is an fsync),
// for the coordinator's hot paths: metric batches from workers and heartbeat-driven worker updates.
// The file goes to $CASCADE_BENCH_DIR (default: the current directory) — put it on the disk the
// coordinator would use; a tmpfs makes fsync free and the numbers meaningless.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/state/state_store.h"

namespace cascade::coordinator {
namespace {

// A fresh store file with one scan, one trial and one worker; removed on destruction.
class BenchStore {
 public:
  BenchStore() {
    const char* dir = getenv("CASCADE_BENCH_DIR");
    path_ = std::string(dir != nullptr ? dir : ".") + "/state_store_bench." +
            std::to_string(getpid()) + ".db";
    Remove();
    absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path_);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
      std::abort();
    }
    store_ = std::move(store).value();
    v1::Scan scan;
    scan.set_state(v1::SCAN_STATE_RUNNING);
    scan_id_ = store_->InsertScan(scan, "").value().id();
    v1::Trial trial;
    trial.set_scan_id(scan_id_);
    trial_id_ = store_->InsertTrial(trial).value().id();
    v1::Worker worker;
    worker.mutable_info()->set_hostname("node-001");
    worker.mutable_info()->set_cpus(16);
    worker_ = store_->InsertWorker(worker).value();
  }
  ~BenchStore() {
    store_.reset();
    Remove();
  }
  StateStore& store() { return *store_; }
  const std::string& trial_id() const { return trial_id_; }
  v1::Worker& worker() { return worker_; }

 private:
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  std::string path_;
  std::unique_ptr<StateStore> store_;
  std::string scan_id_;
  std::string trial_id_;
  v1::Worker worker_;
};

v1::MetricRecord StepRecord(const std::string& trial_id, int64_t step) {
  v1::MetricRecord record;
  record.set_trial_id(trial_id);
  record.mutable_time()->set_seconds(1800000000 + step);
  v1::StepMetrics* metrics = record.mutable_step();
  metrics->set_step(step);
  metrics->set_epoch(1);
  metrics->set_world_size(4);
  metrics->set_discriminator_loss_real(0.6f);
  metrics->set_discriminator_loss_fake(0.7f);
  metrics->set_generator_loss(2.5f);
  metrics->set_learning_rate(1e-3f);
  metrics->set_step_seconds(0.8f);
  metrics->set_samples_per_second(500.0f);
  metrics->set_steps_aggregated(1);
  return record;
}

// One AppendMetrics call (one transaction, one fsync) of `range(0)` step records.
void BM_AppendMetrics(benchmark::State& state) {
  BenchStore bench;
  const int batch_size = static_cast<int>(state.range(0));
  std::vector<v1::MetricRecord> batch;
  int64_t step = 0;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int i = 0; i < batch_size; ++i) batch.push_back(StepRecord(bench.trial_id(), ++step));
    state.ResumeTiming();
    absl::Status status = bench.store().AppendMetrics(batch);
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
}
BENCHMARK(BM_AppendMetrics)->Arg(1)->Arg(100)->UseRealTime();

// One heartbeat's worth of worker bookkeeping: UpdateWorker with a new last_heartbeat.
void BM_UpdateWorker(benchmark::State& state) {
  BenchStore bench;
  int64_t beat = 0;
  for (auto _ : state) {
    bench.worker().mutable_last_heartbeat()->set_seconds(1800000000 + ++beat);
    absl::Status status = bench.store().UpdateWorker(bench.worker());
    if (!status.ok()) state.SkipWithError(std::string(status.message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpdateWorker)->UseRealTime();

}  // namespace
}  // namespace cascade::coordinator

BENCHMARK_MAIN();
