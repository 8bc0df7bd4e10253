// StateStore: the coordinator's durable state in one SQLite file (WAL journal, synchronous=FULL,
// so a write that returned OK survives SIGKILL and power loss). Records are the wire messages
// (proto/cascade/v1) stored as serialized blobs next to the columns the queries filter on — the
// proto's additive-only compatibility policy is then also the schema's. A `schema_version` row
// guards upgrades: opening a newer file than this binary knows is FailedPrecondition.
//
// Ids are assigned here from SQLite rowids: "s-000001" (scans), "t-000001" (trials), "w-000001"
// (workers), "c-000001" (checkpoints). Every method is one transaction unless called inside
// RunInTransaction. Thread-safe (one connection behind a mutex; SQLite does the rest).
// Errors: Internal with SQLite's message and the statement's purpose; NotFound naming the id.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cascade/v1/metrics.pb.h"
#include "cascade/v1/scan.pb.h"
#include "cascade/v1/trial.pb.h"
#include "cascade/v1/worker.pb.h"

namespace cascade::coordinator {

class StateStore {
 public:
  // Creates the file and schema if missing. `path` ":memory:" gives a private in-memory store
  // (unit tests).
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();

  // Runs `body` as one transaction: every store call inside it commits together or not at all
  // (body's non-OK status rolls back and is returned). Not re-entrant across threads: other
  // threads' calls wait until it ends.
  absl::Status RunInTransaction(const std::function<absl::Status()>& body);

  // --- scans ---
  // Assigns scan.id (returned in the stored copy). With a non-empty `request_id` already seen,
  // stores nothing and returns the scan stored the first time (idempotent submit).
  absl::StatusOr<v1::Scan> InsertScan(v1::Scan scan, const std::string& request_id);
  absl::Status UpdateScan(const v1::Scan& scan);  // NotFound if scan.id is unknown
  absl::StatusOr<v1::Scan> GetScan(const std::string& id);
  // Newest first; `states` empty = all. `page_token` is opaque ("" = first page); the returned
  // token is "" on the last page.
  absl::StatusOr<std::vector<v1::Scan>> ListScans(const std::vector<v1::ScanState>& states,
                                                  int page_size, const std::string& page_token,
                                                  std::string* next_page_token);

  // The searcher's Snapshot() JSON of a scan (written in the same transaction as the actions it
  // produced). nullopt before the first write.
  absl::Status PutSearcherState(const std::string& scan_id, const std::string& json);
  absl::StatusOr<std::optional<std::string>> GetSearcherState(const std::string& scan_id);

  // --- trials ---
  absl::StatusOr<v1::Trial> InsertTrial(v1::Trial trial);  // assigns trial.id
  absl::Status UpdateTrial(const v1::Trial& trial);
  absl::StatusOr<v1::Trial> GetTrial(const std::string& id);
  absl::StatusOr<std::vector<v1::Trial>> ListTrials(const std::string& scan_id);  // by id
  // Every trial in one of `states` across all scans (restart recovery: PENDING/RUNNING).
  absl::StatusOr<std::vector<v1::Trial>> ListTrialsInStates(
      const std::vector<v1::TrialState>& states);

  // --- workers ---
  absl::StatusOr<v1::Worker> InsertWorker(v1::Worker worker);  // assigns worker.id
  absl::Status UpdateWorker(const v1::Worker& worker);
  absl::StatusOr<v1::Worker> GetWorker(const std::string& id);
  absl::StatusOr<std::vector<v1::Worker>> ListWorkers();  // all, by id

  // --- metrics (append-only) ---
  absl::Status AppendMetrics(const std::vector<v1::MetricRecord>& records);  // one transaction
  // Oldest first (insertion order); kind UNSPECIFIED = both; only records with step > after_step
  // (validation records compare their `step`).
  absl::StatusOr<std::vector<v1::MetricRecord>> ListMetrics(const std::string& trial_id,
                                                            v1::MetricKind kind, int64_t after_step,
                                                            int page_size,
                                                            const std::string& page_token,
                                                            std::string* next_page_token);

  // --- checkpoints ---
  absl::StatusOr<v1::Checkpoint> InsertCheckpoint(v1::Checkpoint checkpoint);  // assigns id
  absl::Status UpdateCheckpoint(const v1::Checkpoint& checkpoint);
  absl::Status DeleteCheckpoint(const std::string& id);
  absl::StatusOr<std::vector<v1::Checkpoint>> ListCheckpoints(const std::string& trial_id);

  // --- operations ---
  // SQLite's online backup API into `path` (a consistent copy while the coordinator runs).
  absl::Status BackupTo(const std::string& path);

 private:
  struct Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cascade::coordinator
