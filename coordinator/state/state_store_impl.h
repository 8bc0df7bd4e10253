// Private to coordinator/state: StateStore's connection and the helpers its method files share
// (id and page-token codecs, proto blob codec).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "coordinator/state/sqlite_db.h"
#include "coordinator/state/state_store.h"

namespace cascade::coordinator {

// One connection behind a recursive mutex: RunInTransaction holds it for the whole body, and the
// store calls made inside the body (same thread) re-enter it and join the open transaction.
struct StateStore::Impl {
  std::recursive_mutex mu;
  std::unique_ptr<SqliteDb> db;
};

namespace state_internal {

inline constexpr int kDefaultScanPage = 100;
inline constexpr int kMaxScanPage = 1000;
inline constexpr int kDefaultMetricPage = 1000;
inline constexpr int kMaxMetricPage = 10000;

// "s-000001" for prefix 's' and rowid 1.
std::string FormatId(char prefix, int64_t rowid);
// The rowid of an id of this prefix; NotFound naming `what` and the id when it is not one of
// ours (no such record can exist).
absl::StatusOr<int64_t> ParseId(char prefix, absl::string_view what, absl::string_view id);

// Page tokens are the last returned rowid in base 10; "" = first page.
absl::StatusOr<int64_t> ParsePageToken(absl::string_view token, int64_t first);
// page_size 0 = default, capped at `max`; negative is InvalidArgument.
absl::StatusOr<int> EffectivePageSize(int page_size, int default_size, int max);

// A state filter as one bound integer (one cached statement for every filter): bit s set for
// each state s listed; 0 for an empty list, which means "all". Values this binary does not know
// (a newer client's enum) match nothing, so a list of only those selects no rows.
template <typename Enum>
int64_t StateMask(const std::vector<Enum>& states, bool (*is_valid)(int)) {
  constexpr int64_t kMatchesNothing = int64_t{1} << 62;  // no state has this number
  if (states.empty()) return 0;
  int64_t mask = 0;
  for (Enum state : states) {
    const int value = static_cast<int>(state);
    if (is_valid(value) && value >= 0 && value < 62) mask |= int64_t{1} << value;
  }
  return mask != 0 ? mask : kMatchesNothing;
}

// Parses a stored record; DataLoss naming what and id if the blob does not parse.
template <typename Proto>
absl::StatusOr<Proto> ParseRecord(absl::string_view blob, absl::string_view what,
                                  absl::string_view id) {
  Proto proto;
  if (!proto.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " ", id, " does not parse as ",
                                            Proto::descriptor()->full_name()));
  }
  return proto;
}

template <typename Proto>
std::string SerializeRecord(const Proto& proto) {
  std::string out;
  proto.SerializeToString(&out);
  return out;
}

// Columns (id, blob) of the current row as a record of type Proto with ids `prefix`.
template <typename Proto>
absl::StatusOr<Proto> RecordFromRow(const SqliteStatement& stmt, char prefix,
                                    absl::string_view what) {
  const std::string id = FormatId(prefix, stmt.ColumnInt(0));
  CASCADE_ASSIGN_OR_RETURN(Proto record, ParseRecord<Proto>(stmt.ColumnBlob(1), what, id));
  record.set_id(id);
  return record;
}

// Every row of a bound (id, blob) query.
template <typename Proto>
absl::StatusOr<std::vector<Proto>> AllRecords(SqliteStatement& stmt, char prefix,
                                              absl::string_view what, absl::string_view purpose) {
  std::vector<Proto> records;
  while (true) {
    CASCADE_ASSIGN_OR_RETURN(bool row, stmt.Step(purpose));
    if (!row) return records;
    CASCADE_ASSIGN_OR_RETURN(Proto record, RecordFromRow<Proto>(stmt, prefix, what));
    records.push_back(std::move(record));
  }
}

}  // namespace state_internal
}  // namespace cascade::coordinator
