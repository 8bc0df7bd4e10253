#include "coordinator/state/schema.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::coordinator {
namespace {

// AUTOINCREMENT where rows can be deleted (checkpoints) or where an id is shown to users: a
// deleted id is never handed out again. Metrics are append-only, so plain rowids (cheaper) are
// already monotonic there. The metrics indexes serve ListMetrics with and without a kind. State
// filters (ListScans, ListTrialsInStates) scan by id: both tables stay small, and the scans
// listing pages in id order anyway.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE schema_version(version INTEGER NOT NULL);
CREATE TABLE scans(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT UNIQUE,
  state INTEGER NOT NULL,
  created INTEGER NOT NULL,
  blob BLOB NOT NULL);
CREATE TABLE searcher_state(
  scan_id INTEGER PRIMARY KEY REFERENCES scans(id),
  json TEXT NOT NULL);
CREATE TABLE trials(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scan_id INTEGER NOT NULL REFERENCES scans(id),
  state INTEGER NOT NULL,
  blob BLOB NOT NULL);
CREATE INDEX trials_by_scan ON trials(scan_id, id);
CREATE TABLE workers(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  blob BLOB NOT NULL);
CREATE TABLE metrics(
  id INTEGER PRIMARY KEY,
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  kind INTEGER NOT NULL,
  step INTEGER NOT NULL,
  blob BLOB NOT NULL);
CREATE INDEX metrics_by_trial_kind ON metrics(trial_id, kind, id);
CREATE INDEX metrics_by_trial ON metrics(trial_id, id);
CREATE TABLE checkpoints(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  blob BLOB NOT NULL);
CREATE INDEX checkpoints_by_trial ON checkpoints(trial_id, id);
INSERT INTO schema_version(version) VALUES (1);
)sql";

absl::StatusOr<int64_t> CountRows(SqliteDb& db, const std::string& sql, absl::string_view purpose) {
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare(sql));
  CASCADE_ASSIGN_OR_RETURN(bool row, stmt.Step(purpose));
  return row ? stmt.ColumnInt(0) : 0;
}

}  // namespace

absl::Status ApplySchema(SqliteDb& db) {
  const std::string purpose = absl::StrCat("read schema of state store '", db.path(), "'");
  return db.InTransaction([&]() -> absl::Status {
    CASCADE_ASSIGN_OR_RETURN(int64_t has_version,
                             CountRows(db,
                                       "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                       "name='schema_version'",
                                       purpose));
    if (has_version == 0) {
      CASCADE_ASSIGN_OR_RETURN(int64_t tables,
                               CountRows(db, "SELECT count(*) FROM sqlite_master", purpose));
      if (tables != 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "'", db.path(),
            "' is a SQLite database but not a Cascade state store (no schema_version table)"));
      }
      return db.ExecScript(kSchemaV1,
                           absl::StrCat("create schema in state store '", db.path(), "'"));
    }
    CASCADE_ASSIGN_OR_RETURN(int64_t version,
                             CountRows(db, "SELECT max(version) FROM schema_version", purpose));
    if (version > kStateSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("state store '", db.path(), "' has schema version ", version,
                       " but this coordinator knows only up to ", kStateSchemaVersion,
                       "; run a newer cascade-coordinator or restore a backup"));
    }
    if (version < 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("state store '", db.path(), "' has an invalid schema version ", version));
    }
    // Version 1 is the first; migrations from older versions go here, inside this transaction.
    return absl::OkStatus();
  });
}

}  // namespace cascade::coordinator
