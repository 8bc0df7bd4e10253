#include "coordinator/state/sqlite_statement.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace cascade::coordinator {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view purpose) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    return absl::DataLossError(absl::StrCat(purpose, ": state file '", file ? file : "?",
                                            "' is damaged or not a Cascade state store (", message,
                                            ")"));
  }
  return absl::InternalError(absl::StrCat(purpose, ": ", message, " (SQLite code ", rc, ")"));
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_), error_code_(other.error_code_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::BindInt(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void SqliteStatement::BindText(int index, absl::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void SqliteStatement::BindBlob(int index, absl::string_view value) {
  // A zero-length blob from a null pointer would bind NULL; the empty string's data() is not null.
  const int rc = sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void SqliteStatement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

absl::StatusOr<bool> SqliteStatement::Step(absl::string_view purpose) {
  if (bind_rc_ != SQLITE_OK) {
    error_code_ = bind_rc_;
    return SqliteError(db_, bind_rc_, absl::StrCat(purpose, " (binding parameters)"));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  error_code_ = sqlite3_extended_errcode(db_);
  return SqliteError(db_, error_code_, purpose);
}

absl::Status SqliteStatement::Run(absl::string_view purpose) {
  while (true) {
    absl::StatusOr<bool> row = Step(purpose);
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

bool SqliteStatement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

absl::string_view SqliteStatement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), static_cast<size_t>(size)};
}

}  // namespace cascade::coordinator
