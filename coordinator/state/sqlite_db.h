// SqliteDb: one SQLite connection with the settings the state store relies on (WAL journal,
// synchronous=FULL, foreign keys, busy timeout), a cache of prepared statements (each SQL text is
// prepared once per connection) and nestable transactions: the outermost level is
// BEGIN IMMEDIATE/COMMIT, inner levels are savepoints, so a failing inner call undoes only its own
// writes and the caller decides about the rest. Not thread-safe: StateStore serializes access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/state/sqlite_statement.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cascade::coordinator {

class SqliteDb {
 public:
  // Opens or creates `path` (":memory:" = private in-memory database) and applies the pragmas.
  // A file that is not a SQLite database is DataLoss naming the path.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // The cached prepared statement for `sql` (prepared on first use). Only one execution of a
  // given SQL text may be in flight at a time.
  absl::StatusOr<SqliteStatement> Prepare(const std::string& sql);
  // Prepares (cached) and runs one statement to completion.
  absl::Status Exec(const std::string& sql, absl::string_view purpose);
  // Runs a script of several statements (schema creation); not cached.
  absl::Status ExecScript(const char* sql, absl::string_view purpose);

  // Runs `body` in a transaction (or a savepoint when one is already open); commits when it
  // returns OK, rolls back otherwise and returns its status.
  absl::Status InTransaction(const std::function<absl::Status()>& body);
  int transaction_depth() const { return depth_; }

  int64_t LastInsertRowid() const;
  int Changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  void RollBack(bool outer, const std::string& savepoint);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  int depth_ = 0;  // open transaction levels (0 = autocommit)
};

}  // namespace cascade::coordinator
