// The state store's SQLite schema and its version guard. Records are serialized protos (`blob`);
// the other columns exist only for the queries that filter or order on them.
#pragma once

#include "absl/status/status.h"
#include "coordinator/state/sqlite_db.h"

namespace cascade::coordinator {

// Bumped when the schema changes; ApplySchema then migrates older files forward.
inline constexpr int kStateSchemaVersion = 1;

// Creates the tables in an empty database, or checks an existing one: a newer schema_version than
// kStateSchemaVersion is FailedPrecondition naming the file; a SQLite file holding other tables
// but no schema_version is FailedPrecondition too (not a Cascade state store).
absl::Status ApplySchema(SqliteDb& db);

}  // namespace cascade::coordinator
