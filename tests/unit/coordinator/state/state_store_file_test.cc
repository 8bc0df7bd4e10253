// StateStore on disk: what was acknowledged survives SIGKILL, files it cannot use are rejected
// with their path, and BackupTo makes a copy that opens with the same contents.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/state/state_store_test_util.h"

namespace cascade::coordinator {
namespace {

using ::testing::HasSubstr;
using testing::MakeScan;
using testing::MakeTrial;
using testing::OpenOrDie;
using testing::ProtoEquals;
using testing::ScratchDir;

// What the child acknowledged: a worker row or a metric step, written after the call returned OK.
struct Ack {
  char kind;  // 'w' worker id number, 'm' metric step
  int64_t value;
};

// Child side of the durability test: stores records until killed, acknowledging each on `fd`.
[[noreturn]] void InsertUntilKilled(const std::string& path, const std::string& trial_id, int fd) {
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  if (!store.ok()) {
    std::fprintf(stderr, "child: %s\n", std::string(store.status().message()).c_str());
    _exit(1);
  }
  for (int64_t i = 1; i < 1000000; ++i) {
    Ack ack{};
    if (i % 2 == 0) {
      absl::StatusOr<v1::Worker> worker =
          (*store)->InsertWorker(testing::MakeWorker("host-" + std::to_string(i)));
      if (!worker.ok()) _exit(2);
      ack = {'w', std::stoll(worker->id().substr(2))};
    } else {
      if (!(*store)->AppendMetrics({testing::StepRecord(trial_id, i)}).ok()) _exit(3);
      ack = {'m', i};
    }
    if (write(fd, &ack, sizeof(ack)) != static_cast<ssize_t>(sizeof(ack))) _exit(4);
  }
  _exit(5);
}

TEST(StateStoreFileTest, AcknowledgedWritesSurviveSigkill) {
  ScratchDir dir;
  const std::string path = dir.File("state.db");
  std::string trial_id;
  {
    std::unique_ptr<StateStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    absl::StatusOr<v1::Scan> scan = store->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "");
    ASSERT_TRUE(scan.ok());
    absl::StatusOr<v1::Trial> trial =
        store->InsertTrial(MakeTrial(scan->id(), v1::TRIAL_STATE_RUNNING));
    ASSERT_TRUE(trial.ok());
    trial_id = trial->id();
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    InsertUntilKilled(path, trial_id, fds[1]);
  }
  close(fds[1]);

  // Kill it mid-stream: after a number of acknowledgements, while it is still writing.
  constexpr int kAcksBeforeKill = 60;
  std::vector<Ack> acks;
  Ack ack;
  while (acks.size() < kAcksBeforeKill && read(fds[0], &ack, sizeof(ack)) == sizeof(ack)) {
    acks.push_back(ack);
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "child exited early with " << WEXITSTATUS(wait_status);
  // Acknowledgements already in the pipe were also acknowledged before the kill.
  while (read(fds[0], &ack, sizeof(ack)) == sizeof(ack)) acks.push_back(ack);
  close(fds[0]);
  ASSERT_GE(acks.size(), static_cast<size_t>(kAcksBeforeKill));

  std::unique_ptr<StateStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  std::set<int64_t> steps;
  std::string token;
  do {
    absl::StatusOr<std::vector<v1::MetricRecord>> page =
        store->ListMetrics(trial_id, v1::METRIC_KIND_STEP, 0, 0, token, &token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::MetricRecord& record : *page) steps.insert(record.step().step());
  } while (!token.empty());
  for (const Ack& acked : acks) {
    if (acked.kind == 'm') {
      EXPECT_TRUE(steps.count(acked.value))
          << "acknowledged metric step " << acked.value << " lost";
    } else {
      absl::StatusOr<v1::Worker> worker = store->GetWorker(testing::FormatWorkerId(acked.value));
      EXPECT_TRUE(worker.ok()) << "acknowledged worker " << acked.value << ": " << worker.status();
    }
  }
}

TEST(StateStoreFileTest, ReopenKeepsRecords) {
  ScratchDir dir;
  const std::string path = dir.File("state.db");
  v1::Scan stored;
  {
    std::unique_ptr<StateStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    absl::StatusOr<v1::Scan> scan = store->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "q");
    ASSERT_TRUE(scan.ok());
    stored = *scan;
  }
  std::unique_ptr<StateStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  absl::StatusOr<v1::Scan> got = store->GetScan(stored.id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(ProtoEquals(*got, stored));
  // Ids continue after a restart.
  absl::StatusOr<v1::Scan> next = store->InsertScan(MakeScan("b", v1::SCAN_STATE_RUNNING), "");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->id(), "s-000002");
}

TEST(StateStoreFileTest, GarbageFileIsRejectedWithItsPath) {
  ScratchDir dir;
  const std::string path = dir.File("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not a database ";
  }
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
}

// Runs `sql` on the SQLite file directly (the test plays an older or foreign program).
void ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(StateStoreFileTest, NewerSchemaVersionIsRejected) {
  ScratchDir dir;
  const std::string path = dir.File("state.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  ExecRaw(path, "UPDATE schema_version SET version = 99");
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("99"));
}

TEST(StateStoreFileTest, ForeignSqliteDatabaseIsRejected) {
  ScratchDir dir;
  const std::string path = dir.File("other.db");
  ExecRaw(path, "CREATE TABLE notes(text TEXT)");
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
}

TEST(StateStoreFileTest, BackupOpensWithTheSameContents) {
  ScratchDir dir;
  std::unique_ptr<StateStore> store = OpenOrDie(dir.File("state.db"));
  ASSERT_NE(store, nullptr);
  absl::StatusOr<v1::Scan> scan = store->InsertScan(MakeScan("a", v1::SCAN_STATE_RUNNING), "r1");
  ASSERT_TRUE(scan.ok());
  absl::StatusOr<v1::Trial> trial =
      store->InsertTrial(MakeTrial(scan->id(), v1::TRIAL_STATE_RUNNING));
  ASSERT_TRUE(trial.ok());
  ASSERT_TRUE(store->PutSearcherState(scan->id(), R"({"next":3})").ok());
  ASSERT_TRUE(store->InsertWorker(testing::MakeWorker("node")).ok());
  ASSERT_TRUE(store
                  ->AppendMetrics({testing::StepRecord(trial->id(), 1),
                                   testing::ValidationRecord(trial->id(), 1, 1)})
                  .ok());
  v1::Checkpoint checkpoint;
  checkpoint.set_trial_id(trial->id());
  checkpoint.set_path("/ckpt/1.h5");
  ASSERT_TRUE(store->InsertCheckpoint(checkpoint).ok());

  // Not inside a transaction: the copy could contain writes that later roll back.
  const std::string backup_path = dir.File("backup.db");
  absl::Status nested = store->RunInTransaction([&] { return store->BackupTo(backup_path); });
  EXPECT_TRUE(absl::IsFailedPrecondition(nested)) << nested;
  ASSERT_TRUE(store->BackupTo(backup_path).ok());

  std::unique_ptr<StateStore> copy = OpenOrDie(backup_path);
  ASSERT_NE(copy, nullptr);
  absl::StatusOr<v1::Scan> scan_copy = copy->GetScan(scan->id());
  ASSERT_TRUE(scan_copy.ok()) << scan_copy.status();
  EXPECT_TRUE(ProtoEquals(*scan_copy, *scan));
  absl::StatusOr<v1::Trial> trial_copy = copy->GetTrial(trial->id());
  ASSERT_TRUE(trial_copy.ok());
  EXPECT_TRUE(ProtoEquals(*trial_copy, *trial));
  absl::StatusOr<std::optional<std::string>> searcher = copy->GetSearcherState(scan->id());
  ASSERT_TRUE(searcher.ok());
  EXPECT_EQ(searcher->value_or(""), R"({"next":3})");
  absl::StatusOr<std::vector<v1::Worker>> workers = copy->ListWorkers();
  ASSERT_TRUE(workers.ok());
  EXPECT_EQ(workers->size(), 1u);
  std::string token;
  absl::StatusOr<std::vector<v1::MetricRecord>> metrics =
      copy->ListMetrics(trial->id(), v1::METRIC_KIND_UNSPECIFIED, 0, 0, "", &token);
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->size(), 2u);
  absl::StatusOr<std::vector<v1::Checkpoint>> checkpoints = copy->ListCheckpoints(trial->id());
  ASSERT_TRUE(checkpoints.ok());
  EXPECT_EQ(checkpoints->size(), 1u);
  // The copy is a working store: the idempotency key came along, new ids continue.
  absl::StatusOr<v1::Scan> retry = copy->InsertScan(MakeScan("z", v1::SCAN_STATE_PENDING), "r1");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->id(), scan->id());
}

TEST(StateStoreFileTest, UnopenablePathIsAnError) {
  ScratchDir dir;
  const std::string path = dir.File("missing-dir/state.db");
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
}

}  // namespace
}  // namespace cascade::coordinator
