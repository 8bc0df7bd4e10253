// An in-process UserService with canned scans, trials, metrics and workers, for testing the CLI's
// service commands without a coordinator. Accepts only `authorization: Bearer <kToken>`, records
// what it was asked, and plays scripted WatchScan streams.
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cascade/v1/user_service.grpc.pb.h"
#include "cascade/v1/worker.pb.h"

namespace cascade::cli::testing {

// One WatchScan call: the events to send, then the status to end with.
struct WatchScript {
  std::vector<v1::ScanEvent> events;
  grpc::Status end = grpc::Status::OK;
};

class FakeUserService final : public v1::UserService::Service {
 public:
  static constexpr char kToken[] = "test-token-3f9a";
  // A spec containing this text is rejected with kBadSpecMessage (INVALID_ARGUMENT).
  static constexpr char kBadSpecMarker[] = "minval: -1";
  static constexpr char kBadSpecMessage[] =
      "hyperparameters.lr.minval: must be > 0 for type log (line 9, column 13)";

  FakeUserService();

  // Scans s-000001 (RUNNING, trials t-000001 RUNNING and t-000002 COMPLETED with checkpoints)
  // and s-000002 (COMPLETED). t-000001 has 3 step and 2 validation records, served 2 per page,
  // and the history of ElasticTrialHistory.
  static v1::Scan RunningScan();
  static v1::Scan CompletedScan();
  // Three generations (initial 3 workers from scratch; w-000002 lost, re-formed in place with 2
  // from step 160, 40 steps lost, 3.3 s to recover; a NaN rollback from disk at step 100 with
  // lr scale 0.5, charged, 1 restart), and provenance with two dataset files.
  static void AddElasticHistory(v1::Trial& trial);

  // Call k of WatchScan plays scripts[k] (no events, OK status beyond the end); resets the count.
  void SetWatchScripts(std::vector<WatchScript> scripts);
  // Replaces what ListWorkers serves (by default w-000001 BUSY on t-000001, w-000002 IDLE).
  void SetWorkers(std::vector<v1::Worker> workers);
  int watch_calls() const;
  v1::SubmitScanRequest last_submit() const;
  v1::ListScansRequest last_list_scans() const;
  int submits() const;

  grpc::Status SubmitScan(grpc::ServerContext* context, const v1::SubmitScanRequest* request,
                          v1::SubmitScanResponse* response) override;
  grpc::Status ListScans(grpc::ServerContext* context, const v1::ListScansRequest* request,
                         v1::ListScansResponse* response) override;
  grpc::Status GetScan(grpc::ServerContext* context, const v1::GetScanRequest* request,
                       v1::GetScanResponse* response) override;
  grpc::Status WatchScan(grpc::ServerContext* context, const v1::WatchScanRequest* request,
                         grpc::ServerWriter<v1::ScanEvent>* writer) override;
  grpc::Status CancelScan(grpc::ServerContext* context, const v1::CancelScanRequest* request,
                          v1::CancelScanResponse* response) override;
  grpc::Status PauseScan(grpc::ServerContext* context, const v1::PauseScanRequest* request,
                         v1::PauseScanResponse* response) override;
  grpc::Status ResumeScan(grpc::ServerContext* context, const v1::ResumeScanRequest* request,
                          v1::ResumeScanResponse* response) override;
  grpc::Status ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest* request,
                           v1::ListWorkersResponse* response) override;
  grpc::Status GetTrial(grpc::ServerContext* context, const v1::GetTrialRequest* request,
                        v1::GetTrialResponse* response) override;
  grpc::Status ListMetrics(grpc::ServerContext* context, const v1::ListMetricsRequest* request,
                           v1::ListMetricsResponse* response) override;

 private:
  grpc::Status Authorize(const grpc::ServerContext& context) const;
  const v1::Scan* FindScan(const std::string& id) const;

  mutable std::mutex mu_;
  std::vector<v1::Scan> scans_;
  std::vector<v1::Trial> trials_;
  std::vector<v1::MetricRecord> metrics_;
  std::vector<v1::Worker> workers_;
  std::vector<WatchScript> watch_scripts_;
  int watch_calls_ = 0;
  int submits_ = 0;
  v1::SubmitScanRequest last_submit_;
  v1::ListScansRequest last_list_scans_;
};

// The fake served on 127.0.0.1 at a port the OS picks.
class FakeCoordinator {
 public:
  FakeCoordinator();
  ~FakeCoordinator();
  std::string address() const;
  FakeUserService& service() { return service_; }

 private:
  FakeUserService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace cascade::cli::testing
