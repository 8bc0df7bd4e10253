// SqliteStatement: a borrowed handle on one prepared statement of a SqliteDb's cache, used for one
// execution. Binding errors are remembered and reported by the next Step, so call sites read as a
// straight sequence of binds. The destructor resets the statement and clears its bindings, which
// returns it to the cache ready for the next caller (and releases any read lock it held).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cascade::coordinator {

// Status for SQLite result `rc` while doing `purpose` ("insert trial"). Internal with SQLite's
// message in general; DataLoss naming the file when the database is corrupt or not a database.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view purpose);

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameter indices are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT):
  // callers pass temporaries.
  void BindInt(int index, int64_t value);
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);
  void BindNull(int index);

  // Advances once: true when a row is available, false when the statement is done.
  absl::StatusOr<bool> Step(absl::string_view purpose);
  // Steps to completion, ignoring rows (INSERT/UPDATE/DELETE).
  absl::Status Run(absl::string_view purpose);
  // SQLite's extended result code of the last failed Step (e.g. SQLITE_CONSTRAINT_FOREIGNKEY).
  int error_code() const { return error_code_; }

  int64_t ColumnInt(int column) const;
  bool ColumnIsNull(int column) const;
  // Valid until the next Step or the destructor.
  absl::string_view ColumnBlob(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // first failed bind (SQLITE_OK = 0 when none)
  int error_code_ = 0;
};

}  // namespace cascade::coordinator
