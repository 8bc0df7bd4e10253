// StateStore: metrics (append-only) and checkpoints.
#include <sqlite3.h>

#include <limits>

#include "common/status_macros.h"
#include "coordinator/state/state_store.h"
#include "coordinator/state/state_store_impl.h"

namespace cascade::coordinator {

using state_internal::AllRecords;
using state_internal::FormatId;
using state_internal::ParseId;
using state_internal::ParseRecord;
using state_internal::SerializeRecord;

namespace {

absl::Status TrialNotFound(const std::string& trial_id) {
  return absl::NotFoundError(absl::StrCat("trial ", trial_id, " not found"));
}

// NotFound unless the trial row exists (lists of an unknown trial are an error, not empty).
absl::Status CheckTrialExists(SqliteDb& db, int64_t rowid, const std::string& trial_id) {
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement exists,
                           db.Prepare("SELECT 1 FROM trials WHERE id = ?1"));
  exists.BindInt(1, rowid);
  CASCADE_ASSIGN_OR_RETURN(bool found, exists.Step(absl::StrCat("find trial ", trial_id)));
  return found ? absl::OkStatus() : TrialNotFound(trial_id);
}

}  // namespace

// --- metrics ---

absl::Status StateStore::AppendMetrics(const std::vector<v1::MetricRecord>& records) {
  // Validate everything first: a batch is stored whole or not at all.
  std::vector<int64_t> trial_rowids;
  trial_rowids.reserve(records.size());
  for (const v1::MetricRecord& record : records) {
    CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('t', "trial", record.trial_id()));
    if (record.kind_case() == v1::MetricRecord::KIND_NOT_SET) {
      return absl::InvalidArgumentError(absl::StrCat("metric record of trial ", record.trial_id(),
                                                     " has neither step nor validation"));
    }
    trial_rowids.push_back(rowid);
  }
  if (records.empty()) return absl::OkStatus();
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  std::string blob;
  return db.InTransaction([&]() -> absl::Status {
    for (size_t i = 0; i < records.size(); ++i) {
      const v1::MetricRecord& record = records[i];
      const bool is_step = record.kind_case() == v1::MetricRecord::kStep;
      CASCADE_ASSIGN_OR_RETURN(
          SqliteStatement insert,
          db.Prepare("INSERT INTO metrics(trial_id, kind, step, blob) VALUES (?1, ?2, ?3, ?4)"));
      insert.BindInt(1, trial_rowids[i]);
      insert.BindInt(2, is_step ? v1::METRIC_KIND_STEP : v1::METRIC_KIND_VALIDATION);
      insert.BindInt(3, is_step ? record.step().step() : record.validation().step());
      blob.clear();
      record.SerializeToString(&blob);
      insert.BindBlob(4, blob);
      absl::Status status = insert.Run(absl::StrCat("append metrics of trial ", record.trial_id()));
      if (insert.error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return TrialNotFound(record.trial_id());
      }
      CASCADE_RETURN_IF_ERROR(status);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::MetricRecord>> StateStore::ListMetrics(
    const std::string& trial_id, v1::MetricKind kind, int64_t after_step, int page_size,
    const std::string& page_token, std::string* next_page_token) {
  CASCADE_ASSIGN_OR_RETURN(int64_t trial_rowid, ParseId('t', "trial", trial_id));
  CASCADE_ASSIGN_OR_RETURN(
      int limit, state_internal::EffectivePageSize(page_size, state_internal::kDefaultMetricPage,
                                                   state_internal::kMaxMetricPage));
  // Oldest first, so the token is an exclusive lower bound on the row id.
  CASCADE_ASSIGN_OR_RETURN(int64_t after_row, state_internal::ParsePageToken(page_token, 0));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_RETURN_IF_ERROR(CheckTrialExists(db, trial_rowid, trial_id));
  // Two statements so each uses its index: (trial_id, kind, id) or (trial_id, id).
  const bool by_kind = kind != v1::METRIC_KIND_UNSPECIFIED;
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement list,
      db.Prepare(by_kind ? "SELECT id, blob FROM metrics WHERE trial_id = ?1 AND kind = ?4 AND "
                           "id > ?2 AND step > ?3 ORDER BY id LIMIT ?5"
                         : "SELECT id, blob FROM metrics WHERE trial_id = ?1 AND id > ?2 AND "
                           "step > ?3 ORDER BY id LIMIT ?5"));
  list.BindInt(1, trial_rowid);
  list.BindInt(2, after_row);
  list.BindInt(3, after_step);
  if (by_kind) list.BindInt(4, kind);
  list.BindInt(5, static_cast<int64_t>(limit) + 1);  // one extra row tells whether more follow
  const std::string purpose = absl::StrCat("list metrics of trial ", trial_id);
  std::vector<v1::MetricRecord> records;
  int64_t last = 0;
  bool more = false;
  while (true) {
    CASCADE_ASSIGN_OR_RETURN(bool row, list.Step(purpose));
    if (!row) break;
    if (static_cast<int>(records.size()) == limit) {
      more = true;
      break;
    }
    last = list.ColumnInt(0);
    CASCADE_ASSIGN_OR_RETURN(
        v1::MetricRecord record,
        ParseRecord<v1::MetricRecord>(list.ColumnBlob(1), "metric record", std::to_string(last)));
    records.push_back(std::move(record));
  }
  if (next_page_token != nullptr) *next_page_token = more ? std::to_string(last) : "";
  return records;
}

// --- checkpoints ---

absl::StatusOr<v1::Checkpoint> StateStore::InsertCheckpoint(v1::Checkpoint checkpoint) {
  CASCADE_ASSIGN_OR_RETURN(int64_t trial_rowid, ParseId('t', "trial", checkpoint.trial_id()));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  checkpoint.clear_id();
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement insert,
                           db.Prepare("INSERT INTO checkpoints(trial_id, blob) VALUES (?1, ?2)"));
  insert.BindInt(1, trial_rowid);
  insert.BindBlob(2, SerializeRecord(checkpoint));
  absl::Status status =
      insert.Run(absl::StrCat("insert checkpoint of trial ", checkpoint.trial_id()));
  if (insert.error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return TrialNotFound(checkpoint.trial_id());
  }
  CASCADE_RETURN_IF_ERROR(status);
  checkpoint.set_id(FormatId('c', db.LastInsertRowid()));
  return checkpoint;
}

absl::Status StateStore::UpdateCheckpoint(const v1::Checkpoint& checkpoint) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('c', "checkpoint", checkpoint.id()));
  CASCADE_ASSIGN_OR_RETURN(int64_t trial_rowid, ParseId('t', "trial", checkpoint.trial_id()));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement update,
      db.Prepare("UPDATE checkpoints SET trial_id = ?1, blob = ?2 WHERE id = ?3"));
  update.BindInt(1, trial_rowid);
  update.BindBlob(2, SerializeRecord(checkpoint));
  update.BindInt(3, rowid);
  absl::Status status = update.Run(absl::StrCat("update checkpoint ", checkpoint.id()));
  if (update.error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return TrialNotFound(checkpoint.trial_id());
  }
  CASCADE_RETURN_IF_ERROR(status);
  if (db.Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("checkpoint ", checkpoint.id(), " not found"));
  }
  return absl::OkStatus();
}

absl::Status StateStore::DeleteCheckpoint(const std::string& id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('c', "checkpoint", id));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement remove,
                           db.Prepare("DELETE FROM checkpoints WHERE id = ?1"));
  remove.BindInt(1, rowid);
  CASCADE_RETURN_IF_ERROR(remove.Run(absl::StrCat("delete checkpoint ", id)));
  if (db.Changes() == 0) return absl::NotFoundError(absl::StrCat("checkpoint ", id, " not found"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Checkpoint>> StateStore::ListCheckpoints(
    const std::string& trial_id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t trial_rowid, ParseId('t', "trial", trial_id));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_RETURN_IF_ERROR(CheckTrialExists(db, trial_rowid, trial_id));
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement list,
      db.Prepare("SELECT id, blob FROM checkpoints WHERE trial_id = ?1 ORDER BY id"));
  list.BindInt(1, trial_rowid);
  return AllRecords<v1::Checkpoint>(list, 'c', "checkpoint",
                                    absl::StrCat("list checkpoints of ", trial_id));
}

}  // namespace cascade::coordinator
