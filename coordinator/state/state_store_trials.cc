// StateStore: trials and workers.
#include <sqlite3.h>

#include "common/status_macros.h"
#include "coordinator/state/state_store.h"
#include "coordinator/state/state_store_impl.h"

namespace cascade::coordinator {

using state_internal::AllRecords;
using state_internal::FormatId;
using state_internal::ParseId;
using state_internal::RecordFromRow;
using state_internal::SerializeRecord;

namespace {

absl::Status ScanNotFound(const std::string& scan_id) {
  return absl::NotFoundError(absl::StrCat("scan ", scan_id, " not found"));
}

}  // namespace

// --- trials ---

absl::StatusOr<v1::Trial> StateStore::InsertTrial(v1::Trial trial) {
  CASCADE_ASSIGN_OR_RETURN(int64_t scan_rowid, ParseId('s', "scan", trial.scan_id()));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  trial.clear_id();
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      db.Prepare("INSERT INTO trials(scan_id, state, blob) VALUES (?1, ?2, ?3)"));
  insert.BindInt(1, scan_rowid);
  insert.BindInt(2, trial.state());
  insert.BindBlob(3, SerializeRecord(trial));
  absl::Status status = insert.Run(absl::StrCat("insert trial of scan ", trial.scan_id()));
  if (insert.error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) return ScanNotFound(trial.scan_id());
  CASCADE_RETURN_IF_ERROR(status);
  trial.set_id(FormatId('t', db.LastInsertRowid()));
  return trial;
}

absl::Status StateStore::UpdateTrial(const v1::Trial& trial) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('t', "trial", trial.id()));
  CASCADE_ASSIGN_OR_RETURN(int64_t scan_rowid, ParseId('s', "scan", trial.scan_id()));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement update,
      db.Prepare("UPDATE trials SET scan_id = ?1, state = ?2, blob = ?3 WHERE id = ?4"));
  update.BindInt(1, scan_rowid);
  update.BindInt(2, trial.state());
  update.BindBlob(3, SerializeRecord(trial));
  update.BindInt(4, rowid);
  absl::Status status = update.Run(absl::StrCat("update trial ", trial.id()));
  if (update.error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) return ScanNotFound(trial.scan_id());
  CASCADE_RETURN_IF_ERROR(status);
  if (db.Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("trial ", trial.id(), " not found"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Trial> StateStore::GetTrial(const std::string& id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('t', "trial", id));
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement get,
                           impl_->db->Prepare("SELECT id, blob FROM trials WHERE id = ?1"));
  get.BindInt(1, rowid);
  CASCADE_ASSIGN_OR_RETURN(bool found, get.Step(absl::StrCat("get trial ", id)));
  if (!found) return absl::NotFoundError(absl::StrCat("trial ", id, " not found"));
  return RecordFromRow<v1::Trial>(get, 't', "trial");
}

absl::StatusOr<std::vector<v1::Trial>> StateStore::ListTrials(const std::string& scan_id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t scan_rowid, ParseId('s', "scan", scan_id));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  {
    CASCADE_ASSIGN_OR_RETURN(SqliteStatement exists,
                             db.Prepare("SELECT 1 FROM scans WHERE id = ?1"));
    exists.BindInt(1, scan_rowid);
    CASCADE_ASSIGN_OR_RETURN(bool found, exists.Step(absl::StrCat("find scan ", scan_id)));
    if (!found) return ScanNotFound(scan_id);
  }
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement list,
      db.Prepare("SELECT id, blob FROM trials WHERE scan_id = ?1 ORDER BY id"));
  list.BindInt(1, scan_rowid);
  return AllRecords<v1::Trial>(list, 't', "trial", absl::StrCat("list trials of ", scan_id));
}

absl::StatusOr<std::vector<v1::Trial>> StateStore::ListTrialsInStates(
    const std::vector<v1::TrialState>& states) {
  // Empty = every trial, as ListScans.
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement list,
                           impl_->db->Prepare("SELECT id, blob FROM trials WHERE "
                                              "?1 = 0 OR ((?1 >> state) & 1) = 1 ORDER BY id"));
  list.BindInt(1, state_internal::StateMask(states, v1::TrialState_IsValid));
  return AllRecords<v1::Trial>(list, 't', "trial", "list trials by state");
}

// --- workers ---

absl::StatusOr<v1::Worker> StateStore::InsertWorker(v1::Worker worker) {
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  worker.clear_id();
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement insert,
                           db.Prepare("INSERT INTO workers(blob) VALUES (?1)"));
  insert.BindBlob(1, SerializeRecord(worker));
  CASCADE_RETURN_IF_ERROR(insert.Run("insert worker"));
  worker.set_id(FormatId('w', db.LastInsertRowid()));
  return worker;
}

absl::Status StateStore::UpdateWorker(const v1::Worker& worker) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('w', "worker", worker.id()));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement update,
                           db.Prepare("UPDATE workers SET blob = ?1 WHERE id = ?2"));
  update.BindBlob(1, SerializeRecord(worker));
  update.BindInt(2, rowid);
  CASCADE_RETURN_IF_ERROR(update.Run(absl::StrCat("update worker ", worker.id())));
  if (db.Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("worker ", worker.id(), " not found"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Worker> StateStore::GetWorker(const std::string& id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('w', "worker", id));
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement get,
                           impl_->db->Prepare("SELECT id, blob FROM workers WHERE id = ?1"));
  get.BindInt(1, rowid);
  CASCADE_ASSIGN_OR_RETURN(bool found, get.Step(absl::StrCat("get worker ", id)));
  if (!found) return absl::NotFoundError(absl::StrCat("worker ", id, " not found"));
  return RecordFromRow<v1::Worker>(get, 'w', "worker");
}

absl::StatusOr<std::vector<v1::Worker>> StateStore::ListWorkers() {
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement list,
                           impl_->db->Prepare("SELECT id, blob FROM workers ORDER BY id"));
  return AllRecords<v1::Worker>(list, 'w', "worker", "list workers");
}

}  // namespace cascade::coordinator
