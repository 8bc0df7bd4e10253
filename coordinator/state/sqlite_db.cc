#include "coordinator/state/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::coordinator {
namespace {

// Long enough to ride out another process's checkpoint or a `sqlite3 .backup`; short enough that
// a stuck peer surfaces as an error instead of a hung coordinator.
constexpr int kBusyTimeoutMs = 10000;

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serializes every call, SQLite's own mutex would only add cost.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(absl::StrCat(
        "open state store '", path, "': ", raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_close(raw);
    return status;
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);

  // The first statement reads the header: a garbage file fails here (SQLITE_NOTADB).
  const std::string purpose = absl::StrCat("open state store '", path, "'");
  {
    // Errors name the path as the caller spelled it (SQLite's own copy is normalized).
    absl::StatusOr<SqliteStatement> wal = db->Prepare("PRAGMA journal_mode=WAL");
    absl::StatusOr<bool> row = wal.ok() ? wal->Step(purpose) : wal.status();
    if (!row.ok()) {
      return absl::Status(row.status().code(), absl::StrCat(purpose, ": ", row.status().message()));
    }
    const std::string mode =
        *row ? absl::AsciiStrToLower(std::string(wal->ColumnBlob(0))) : std::string();
    // In-memory databases report "memory"; a file that cannot use WAL (e.g. some network
    // filesystems) would silently lose the durability and concurrency this store promises.
    if (path != ":memory:" && mode != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat(purpose, ": could not enable the WAL journal (got '", mode,
                       "'); put the state file on a local filesystem"));
    }
  }
  CASCADE_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL", purpose));
  CASCADE_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON", purpose));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return SqliteError(db_, rc, absl::StrCat("prepare '", sql, "'"));
    }
    it = statements_.emplace(sql, stmt).first;
  } else if (sqlite3_stmt_busy(it->second)) {
    return absl::InternalError(absl::StrCat("statement '", sql, "' is already executing"));
  }
  return SqliteStatement(db_, it->second);
}

absl::Status SqliteDb::Exec(const std::string& sql, absl::string_view purpose) {
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement stmt, Prepare(sql));
  return stmt.Run(purpose);
}

absl::Status SqliteDb::ExecScript(const char* sql, absl::string_view purpose) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, purpose);
  return absl::OkStatus();
}

absl::Status SqliteDb::InTransaction(const std::function<absl::Status()>& body) {
  const bool outer = depth_ == 0;
  const std::string savepoint = absl::StrCat("cascade_level", depth_);
  // IMMEDIATE takes the write lock up front: a deferred transaction that reads first and writes
  // later can fail with SQLITE_BUSY at the first write instead of waiting for the lock.
  CASCADE_RETURN_IF_ERROR(
      Exec(outer ? std::string("BEGIN IMMEDIATE") : "SAVEPOINT " + savepoint, "begin transaction"));
  ++depth_;
  absl::Status status;
  try {
    status = body();
  } catch (...) {
    --depth_;
    RollBack(outer, savepoint);
    throw;
  }
  --depth_;
  if (status.ok()) {
    status = Exec(outer ? std::string("COMMIT") : "RELEASE " + savepoint, "commit transaction");
    if (status.ok()) return status;
  }
  RollBack(outer, savepoint);
  return status;
}

void SqliteDb::RollBack(bool outer, const std::string& savepoint) {
  // Errors here are secondary to the one being returned; SQLite may also have rolled back on its
  // own (e.g. after SQLITE_FULL), which get_autocommit reveals.
  if (outer) {
    if (!sqlite3_get_autocommit(db_)) Exec("ROLLBACK", "roll back transaction").IgnoreError();
    return;
  }
  Exec("ROLLBACK TO " + savepoint, "roll back savepoint").IgnoreError();
  Exec("RELEASE " + savepoint, "release savepoint").IgnoreError();
}

int64_t SqliteDb::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int SqliteDb::Changes() const { return sqlite3_changes(db_); }

}  // namespace cascade::coordinator
