// StateStore: opening, transactions, backup, scans and searcher state. Trials and workers are in
// state_store_trials.cc, metrics and checkpoints in state_store_metrics.cc.
#include "coordinator/state/state_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "coordinator/state/schema.h"
#include "coordinator/state/state_store_impl.h"

namespace cascade::coordinator {
namespace state_internal {

std::string FormatId(char prefix, int64_t rowid) {
  return absl::StrFormat("%c-%06d", prefix, rowid);
}

absl::StatusOr<int64_t> ParseId(char prefix, absl::string_view what, absl::string_view id) {
  int64_t rowid = 0;
  // Only the canonical spelling maps to a row, so a record is always returned under the id it
  // was asked by.
  if (id.size() < 3 || id[0] != prefix || id[1] != '-' || !absl::SimpleAtoi(id.substr(2), &rowid) ||
      rowid <= 0 || FormatId(prefix, rowid) != id) {
    return absl::NotFoundError(absl::StrCat(what, " '", id, "' not found (not a ", what, " id)"));
  }
  return rowid;
}

absl::StatusOr<int64_t> ParsePageToken(absl::string_view token, int64_t first) {
  if (token.empty()) return first;
  int64_t rowid = 0;
  if (!absl::SimpleAtoi(token, &rowid) || rowid < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid page token '", token, "'"));
  }
  return rowid;
}

absl::StatusOr<int> EffectivePageSize(int page_size, int default_size, int max) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_size ", page_size, " is negative"));
  }
  return page_size == 0 ? default_size : std::min(page_size, max);
}

}  // namespace state_internal

using state_internal::FormatId;
using state_internal::ParseId;
using state_internal::SerializeRecord;

namespace {

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

absl::StatusOr<v1::Scan> ScanFromRow(const SqliteStatement& stmt) {
  return state_internal::RecordFromRow<v1::Scan>(stmt, 's', "scan");
}

}  // namespace

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateStore::~StateStore() = default;

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  CASCADE_ASSIGN_OR_RETURN(impl->db, SqliteDb::Open(path));
  CASCADE_RETURN_IF_ERROR(ApplySchema(*impl->db));
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

absl::Status StateStore::RunInTransaction(const std::function<absl::Status()>& body) {
  std::lock_guard lock(impl_->mu);
  return impl_->db->InTransaction(body);
}

absl::Status StateStore::BackupTo(const std::string& path) {
  std::lock_guard lock(impl_->mu);
  if (impl_->db->transaction_depth() > 0) {
    // Inside a transaction the copy would include writes that may still roll back.
    return absl::FailedPreconditionError(
        absl::StrCat("backup to '", path, "' requested inside a transaction"));
  }
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  const std::string purpose = absl::StrCat("backup state store to '", path, "'");
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(dest, rc, purpose);
    sqlite3_close(dest);
    return status;
  }
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", impl_->db->handle(), "main");
  if (backup == nullptr) {
    absl::Status status = SqliteError(dest, sqlite3_extended_errcode(dest), purpose);
    sqlite3_close(dest);
    return status;
  }
  // One step copies every page under one read transaction: a consistent snapshot.
  rc = sqlite3_backup_step(backup, -1);
  const int finish_rc = sqlite3_backup_finish(backup);
  absl::Status status;
  if (rc != SQLITE_DONE) {
    status = SqliteError(dest, rc, purpose);
  } else if (finish_rc != SQLITE_OK) {
    status = SqliteError(dest, finish_rc, purpose);
  }
  sqlite3_close(dest);
  return status;
}

// --- scans ---

absl::StatusOr<v1::Scan> StateStore::InsertScan(v1::Scan scan, const std::string& request_id) {
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  absl::Status status = db.InTransaction([&]() -> absl::Status {
    if (!request_id.empty()) {
      CASCADE_ASSIGN_OR_RETURN(SqliteStatement find,
                               db.Prepare("SELECT id, blob FROM scans WHERE request_id = ?1"));
      find.BindText(1, request_id);
      CASCADE_ASSIGN_OR_RETURN(bool found, find.Step("find scan by request id"));
      if (found) {
        CASCADE_ASSIGN_OR_RETURN(scan, ScanFromRow(find));
        return absl::OkStatus();
      }
    }
    scan.clear_id();
    CASCADE_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        db.Prepare("INSERT INTO scans(request_id, state, created, blob) VALUES (?1, ?2, ?3, ?4)"));
    if (request_id.empty()) {
      insert.BindNull(1);
    } else {
      insert.BindText(1, request_id);
    }
    insert.BindInt(2, scan.state());
    insert.BindInt(3, Micros(scan.created_at()));
    insert.BindBlob(4, SerializeRecord(scan));
    CASCADE_RETURN_IF_ERROR(insert.Run("insert scan"));
    scan.set_id(FormatId('s', db.LastInsertRowid()));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return scan;
}

absl::Status StateStore::UpdateScan(const v1::Scan& scan) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('s', "scan", scan.id()));
  std::lock_guard lock(impl_->mu);
  SqliteDb& db = *impl_->db;
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement update,
                           db.Prepare("UPDATE scans SET state = ?1, blob = ?2 WHERE id = ?3"));
  update.BindInt(1, scan.state());
  update.BindBlob(2, SerializeRecord(scan));
  update.BindInt(3, rowid);
  CASCADE_RETURN_IF_ERROR(update.Run(absl::StrCat("update scan ", scan.id())));
  if (db.Changes() == 0) return absl::NotFoundError(absl::StrCat("scan ", scan.id(), " not found"));
  return absl::OkStatus();
}

absl::StatusOr<v1::Scan> StateStore::GetScan(const std::string& id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('s', "scan", id));
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement get,
                           impl_->db->Prepare("SELECT id, blob FROM scans WHERE id = ?1"));
  get.BindInt(1, rowid);
  CASCADE_ASSIGN_OR_RETURN(bool found, get.Step(absl::StrCat("get scan ", id)));
  if (!found) return absl::NotFoundError(absl::StrCat("scan ", id, " not found"));
  return ScanFromRow(get);
}

absl::StatusOr<std::vector<v1::Scan>> StateStore::ListScans(
    const std::vector<v1::ScanState>& states, int page_size, const std::string& page_token,
    std::string* next_page_token) {
  CASCADE_ASSIGN_OR_RETURN(
      int limit, state_internal::EffectivePageSize(page_size, state_internal::kDefaultScanPage,
                                                   state_internal::kMaxScanPage));
  // Newest first, so the token is an exclusive upper bound on the id.
  CASCADE_ASSIGN_OR_RETURN(int64_t before, state_internal::ParsePageToken(
                                               page_token, std::numeric_limits<int64_t>::max()));
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement list,
      impl_->db->Prepare("SELECT id, blob FROM scans WHERE id < ?1 AND "
                         "(?3 = 0 OR ((?3 >> state) & 1) = 1) ORDER BY id DESC LIMIT ?2"));
  list.BindInt(1, before);
  list.BindInt(2, static_cast<int64_t>(limit) + 1);  // one extra row tells whether more follow
  list.BindInt(3, state_internal::StateMask(states, v1::ScanState_IsValid));
  std::vector<v1::Scan> scans;
  int64_t last = 0;
  bool more = false;
  while (true) {
    CASCADE_ASSIGN_OR_RETURN(bool row, list.Step("list scans"));
    if (!row) break;
    if (static_cast<int>(scans.size()) == limit) {
      more = true;
      break;
    }
    CASCADE_ASSIGN_OR_RETURN(v1::Scan scan, ScanFromRow(list));
    last = list.ColumnInt(0);
    scans.push_back(std::move(scan));
  }
  if (next_page_token != nullptr) *next_page_token = more ? std::to_string(last) : "";
  return scans;
}

absl::Status StateStore::PutSearcherState(const std::string& scan_id, const std::string& json) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('s', "scan", scan_id));
  std::lock_guard lock(impl_->mu);
  CASCADE_ASSIGN_OR_RETURN(
      SqliteStatement put,
      impl_->db->Prepare("INSERT INTO searcher_state(scan_id, json) VALUES (?1, ?2) "
                         "ON CONFLICT(scan_id) DO UPDATE SET json = excluded.json"));
  put.BindInt(1, rowid);
  put.BindText(2, json);
  absl::Status status = put.Run(absl::StrCat("put searcher state of scan ", scan_id));
  if (put.error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("scan ", scan_id, " not found"));
  }
  return status;
}

absl::StatusOr<std::optional<std::string>> StateStore::GetSearcherState(
    const std::string& scan_id) {
  CASCADE_ASSIGN_OR_RETURN(int64_t rowid, ParseId('s', "scan", scan_id));
  std::lock_guard lock(impl_->mu);
  // LEFT JOIN: distinguishes "no such scan" (no row) from "no state yet" (NULL json).
  CASCADE_ASSIGN_OR_RETURN(SqliteStatement get,
                           impl_->db->Prepare("SELECT s.json FROM scans LEFT JOIN searcher_state s "
                                              "ON s.scan_id = scans.id WHERE scans.id = ?1"));
  get.BindInt(1, rowid);
  CASCADE_ASSIGN_OR_RETURN(bool found, get.Step(absl::StrCat("get searcher state of ", scan_id)));
  if (!found) return absl::NotFoundError(absl::StrCat("scan ", scan_id, " not found"));
  if (get.ColumnIsNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(std::string(get.ColumnBlob(0)));
}

}  // namespace cascade::coordinator
