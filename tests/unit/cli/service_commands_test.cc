// The service commands' bodies against an in-process fake coordinator: what they print, the exit
// codes of docs/cli.md, and the requests they send.
#include "cli/service_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_split.h"
#include "cli/command.h"
#include "tests/unit/cli/fake_user_service.h"

namespace cascade::cli {
namespace {

using testing::FakeCoordinator;
using testing::FakeUserService;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::WatchScript;

class ServiceCommandsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceSession> Session(const std::string& token = FakeUserService::kToken,
                                          std::string address = "") {
    ResolvedConnection connection;
    connection.options.address = address.empty() ? fake_.address() : address;
    connection.options.token = token;
    connection.token_source = "--token-file /home/alice/token";
    auto session = ServiceSession::Open(connection);
    EXPECT_TRUE(session.ok()) << session.status();
    return *std::move(session);
  }
  CommandIo Io(bool tty = false) { return CommandIo{out_, err_, tty}; }
  std::string WriteSpec(const std::string& text) {
    char path[] = "/tmp/cascade-spec-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    spec_files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : spec_files_) unlink(f.c_str());
  }
  static v1::ScanEvent ScanEvent(int64_t sequence, v1::ScanState state) {
    v1::ScanEvent event;
    event.set_sequence(sequence);
    *event.mutable_scan() = FakeUserService::RunningScan();
    event.mutable_scan()->set_state(state);
    return event;
  }

  FakeCoordinator fake_;
  std::ostringstream out_, err_;
  std::vector<std::string> spec_files_;
};

TEST_F(ServiceCommandsTest, SubmitPrintsTheScanIdAndSendsSpecAndRequestId) {
  auto session = Session();
  const std::string spec = WriteSpec("name: demo\n");
  SubmitArgs args{spec, false, false, "req-42", OutputFormat::kTable};
  EXPECT_EQ(RunSubmit(*session, args, Io()), kOk) << err_.str();
  EXPECT_EQ(out_.str(), "s-000003\n");  // alone on stdout: scripts capture it
  EXPECT_EQ(fake_.service().last_submit().spec_yaml(), "name: demo\n");
  EXPECT_EQ(fake_.service().last_submit().request_id(), "req-42");
  EXPECT_FALSE(fake_.service().last_submit().validate_only());
}

TEST_F(ServiceCommandsTest, SubmitValidateOnly) {
  auto session = Session();
  SubmitArgs args{WriteSpec("name: demo\n"), true, false, "r", OutputFormat::kTable};
  EXPECT_EQ(RunSubmit(*session, args, Io()), kOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("valid, 4 trials planned"));
  EXPECT_TRUE(fake_.service().last_submit().validate_only());
}

TEST_F(ServiceCommandsTest, SubmitBadSpecExits3WithTheFieldPathVerbatim) {
  auto session = Session();
  const std::string spec = WriteSpec("lr:\n  minval: -1\n");
  SubmitArgs args{spec, false, false, "r", OutputFormat::kTable};
  EXPECT_EQ(RunSubmit(*session, args, Io()), kBadInput);
  EXPECT_THAT(err_.str(), HasSubstr(spec + ": " + FakeUserService::kBadSpecMessage));
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ServiceCommandsTest, SubmitMissingSpecFileExits3NamingIt) {
  auto session = Session();
  SubmitArgs args{"/nonexistent/scan.yaml", false, false, "r", OutputFormat::kTable};
  EXPECT_EQ(RunSubmit(*session, args, Io()), kBadInput);
  EXPECT_THAT(err_.str(), HasSubstr("/nonexistent/scan.yaml"));
  EXPECT_EQ(fake_.service().submits(), 0);
}

TEST_F(ServiceCommandsTest, RequestIdsAreUuidShapedAndDistinct) {
  std::mt19937_64 rng(7);
  const std::string a = NewRequestId(rng), b = NewRequestId(rng);
  EXPECT_THAT(
      a, ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
  EXPECT_NE(a, b);
}

TEST_F(ServiceCommandsTest, ScansJsonFollowsPagesAndKeepsProtoFieldNames) {
  auto session = Session();
  EXPECT_EQ(RunScans(*session, {{}, OutputFormat::kJson}, Io()), kOk) << err_.str();
  const auto doc = nlohmann::json::parse(out_.str());
  ASSERT_EQ(doc["scans"].size(), 2u);  // the fake serves one scan per page
  EXPECT_EQ(doc["scans"][0]["id"], "s-000002");
  EXPECT_EQ(doc["scans"][1]["best_trial_id"], "t-000002");
  EXPECT_EQ(doc["scans"][1]["state"], "SCAN_STATE_RUNNING");
  EXPECT_EQ(doc["scans"][1]["trials"]["total"], 2);
}

TEST_F(ServiceCommandsTest, ScansStateFilterIsSentAndTableShowsOnlyMatches) {
  auto session = Session();
  EXPECT_EQ(RunScans(*session, {{"running"}, OutputFormat::kTable}, Io()), kOk) << err_.str();
  ASSERT_EQ(fake_.service().last_list_scans().states_size(), 1);
  EXPECT_EQ(fake_.service().last_list_scans().states(0), v1::SCAN_STATE_RUNNING);
  const std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("ID"));
  EXPECT_THAT(lines[1], HasSubstr("s-000001"));
  EXPECT_THAT(lines[1], HasSubstr("RUNNING"));
  EXPECT_EQ(lines[0].find("STATE"), lines[1].find("RUNNING"));  // aligned columns
}

TEST_F(ServiceCommandsTest, UnknownStateIsAUsageError) {
  auto session = Session();
  EXPECT_EQ(RunScans(*session, {{"sleeping"}, OutputFormat::kTable}, Io()), kUsage);
  EXPECT_THAT(err_.str(), HasSubstr("sleeping"));
  EXPECT_THAT(err_.str(), HasSubstr("running"));
}

TEST_F(ServiceCommandsTest, MetricsCsvHasHeaderAndOneRowPerRecord) {
  auto session = Session();
  EXPECT_EQ(RunMetrics(*session, {"t-000001", "step", OutputFormat::kCsv}, Io()), kOk)
      << err_.str();
  std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);  // header + 3 step records over 2 pages
  EXPECT_EQ(lines[0].rfind("time,step,epoch,generation,world_size,discriminator_loss_real", 0), 0u);
  EXPECT_THAT(lines[1], HasSubstr(",100,1,"));
  EXPECT_THAT(lines[3], HasSubstr(",300,3,"));

  out_.str("");
  EXPECT_EQ(RunMetrics(*session, {"t-000001", "", OutputFormat::kCsv}, Io()), kOk);
  lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind("kind,time,", 0), 0u);
  EXPECT_THAT(lines[0], HasSubstr("sampling_fraction_mre"));
  EXPECT_THAT(lines[0], HasSubstr("shower_depth_w1"));
  EXPECT_EQ(lines[3].rfind("validation,", 0), 0u);
  EXPECT_THAT(lines[3], HasSubstr(",0.5,"));

  out_.str("");
  EXPECT_EQ(RunMetrics(*session, {"t-000001", "validation", OutputFormat::kCsv}, Io()), kOk);
  lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "time,epoch,step,sampling_fraction_mre,generator_loss,discriminator_loss,"
            "validation_seconds,shower_depth_w1");
}

TEST_F(ServiceCommandsTest, MetricsJsonAndTable) {
  auto session = Session();
  EXPECT_EQ(RunMetrics(*session, {"t-000001", "validation", OutputFormat::kJson}, Io()), kOk);
  const auto doc = nlohmann::json::parse(out_.str());
  ASSERT_EQ(doc["records"].size(), 2u);
  EXPECT_DOUBLE_EQ(doc["records"][1]["validation"]["sampling_fraction_mre"].get<double>(), 0.25);

  out_.str("");
  EXPECT_EQ(RunMetrics(*session, {"t-000001", "", OutputFormat::kTable}, Io()), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("step metrics"));
  EXPECT_THAT(out_.str(), HasSubstr("validation metrics"));
  EXPECT_THAT(out_.str(), HasSubstr("SF_MRE"));
}

TEST_F(ServiceCommandsTest, NotFoundExits3WithTheCoordinatorsMessage) {
  auto session = Session();
  EXPECT_EQ(RunStatus(*session, "s-999", OutputFormat::kTable, Io()), kBadInput);
  EXPECT_THAT(err_.str(), HasSubstr("cascade status: scan s-999 not found"));
  EXPECT_EQ(RunMetrics(*session, {"t-999", "", OutputFormat::kCsv}, Io()), kBadInput);
}

TEST_F(ServiceCommandsTest, StatusOverviewAndOneScan) {
  auto session = Session();
  EXPECT_EQ(RunStatus(*session, "", OutputFormat::kTable, Io()), kOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("scans    2 (1 running, 1 completed)"));
  EXPECT_THAT(out_.str(), HasSubstr("workers  2 (1 idle, 1 busy)"));
  EXPECT_THAT(out_.str(), HasSubstr("s-000001"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("s-000002")));  // finished scans only in the counts

  out_.str("");
  EXPECT_EQ(RunStatus(*session, "", OutputFormat::kJson, Io()), kOk);
  const auto doc = nlohmann::json::parse(out_.str());
  EXPECT_EQ(doc["scans"].size(), 2u);
  EXPECT_EQ(doc["workers"].size(), 2u);

  out_.str("");
  EXPECT_EQ(RunStatus(*session, "s-000001", OutputFormat::kTable, Io()), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("lr-sweep"));
  EXPECT_THAT(out_.str(), HasSubstr("t-000001"));
  EXPECT_THAT(out_.str(), HasSubstr("2/10"));
  EXPECT_THAT(out_.str(), HasSubstr("batch_per_worker=64 lr=0.001"));
}

TEST_F(ServiceCommandsTest, BestNamesTrialMetricAndBothCheckpoints) {
  auto session = Session();
  EXPECT_EQ(RunBest(*session, "s-000001", OutputFormat::kTable, Io()), kOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("t-000002"));
  EXPECT_THAT(out_.str(), HasSubstr("sampling_fraction_mre = 0.0625 (smaller is better)"));
  EXPECT_THAT(out_.str(), HasSubstr("lr=0.0003"));
  EXPECT_THAT(out_.str(), HasSubstr("best ckpt   /ckpt/t-000002/ckpt-epoch-0008.h5"));
  EXPECT_THAT(out_.str(), HasSubstr("latest ckpt /ckpt/t-000002/ckpt-epoch-0010.h5"));

  out_.str("");
  EXPECT_EQ(RunBest(*session, "s-000001", OutputFormat::kJson, Io()), kOk);
  const auto doc = nlohmann::json::parse(out_.str());
  EXPECT_EQ(doc["trial"]["id"], "t-000002");
  EXPECT_EQ(doc["best_checkpoint"]["epoch"], 8);

  EXPECT_EQ(RunBest(*session, "s-000002", OutputFormat::kTable, Io()), kFailure);
  EXPECT_THAT(err_.str(), HasSubstr("no validated trial"));
}

TEST_F(ServiceCommandsTest, TrialsDetailWorkersAndActions) {
  auto session = Session();
  EXPECT_EQ(RunTrials(*session, "s-000001", true, OutputFormat::kTable, Io()), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("checkpoint  /ckpt/t-000002/ckpt-epoch-0010.h5"));
  out_.str("");
  EXPECT_EQ(RunWorkers(*session, {{}, OutputFormat::kTable}, Io()), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("node1"));
  EXPECT_THAT(out_.str(), HasSubstr("BUSY"));
  out_.str("");
  EXPECT_EQ(RunScanAction(*session, ScanAction::kCancel, "s-000001", OutputFormat::kTable, Io()),
            kOk);
  EXPECT_EQ(out_.str(), "scan s-000001: CANCELED\n");
  // FAILED_PRECONDITION: the operation ran and failed.
  EXPECT_EQ(RunScanAction(*session, ScanAction::kResume, "s-000001", OutputFormat::kTable, Io()),
            kFailure);
  EXPECT_THAT(err_.str(), HasSubstr("is not paused"));
}

TEST_F(ServiceCommandsTest, WrongTokenExits1WithMessageAndHint) {
  auto session = Session("wrong-token");
  EXPECT_EQ(RunScans(*session, {{}, OutputFormat::kTable}, Io()), kFailure);
  EXPECT_THAT(err_.str(), HasSubstr("unknown token"));
  EXPECT_THAT(err_.str(), HasSubstr("hint:"));
  EXPECT_THAT(err_.str(), HasSubstr("--token-file /home/alice/token"));

  err_.str("");
  auto anonymous = Session("");
  EXPECT_EQ(RunScans(*anonymous, {{}, OutputFormat::kTable}, Io()), kFailure);
  EXPECT_THAT(err_.str(), HasSubstr("no token was sent"));
}

TEST_F(ServiceCommandsTest, UnreachableCoordinatorExits4NamingTheAddress) {
  // A port that was free a moment ago and has no listener now.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto session = Session(FakeUserService::kToken, address);
  EXPECT_EQ(RunScans(*session, {{}, OutputFormat::kTable}, Io()), kUnavailable);
  EXPECT_THAT(err_.str(), HasSubstr("cannot reach the coordinator at " + address));
  err_.str("");
  EXPECT_EQ(RunWatch(*session, {.scan_id = "s-000001"}, Io()), kUnavailable);
  EXPECT_THAT(err_.str(), HasSubstr(address));
}

TEST_F(ServiceCommandsTest, WatchExits0WhenTheScanCompletes) {
  v1::ScanEvent trial;
  trial.set_sequence(2);
  trial.mutable_trial()->set_id("t-000001");
  trial.mutable_trial()->set_state(v1::TRIAL_STATE_RUNNING);
  trial.mutable_trial()->set_max_epochs(10);
  trial.mutable_trial()->set_epochs_completed(5);
  v1::ScanEvent validation;
  validation.set_sequence(3);
  validation.mutable_metric()->set_trial_id("t-000001");
  validation.mutable_metric()->mutable_validation()->set_sampling_fraction_mre(0.125);
  fake_.service().SetWatchScripts({{{ScanEvent(1, v1::SCAN_STATE_RUNNING), trial, validation,
                                     ScanEvent(4, v1::SCAN_STATE_COMPLETED)}}});
  auto session = Session();
  EXPECT_EQ(RunWatch(*session, {.scan_id = "s-000001"}, Io()), kOk) << err_.str();
  const std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);  // one line per event
  EXPECT_THAT(lines[1], HasSubstr("trial t-000001 RUNNING epochs 5/10"));
  EXPECT_THAT(lines[2], HasSubstr("validation t-000001"));
  EXPECT_THAT(lines[2], HasSubstr("sampling_fraction_mre 0.125"));
  EXPECT_THAT(lines[3], HasSubstr("COMPLETED"));

  // The same stream on a terminal: a redrawn table with a progress bar.
  out_.str("");
  fake_.service().SetWatchScripts({{{ScanEvent(1, v1::SCAN_STATE_RUNNING), trial, validation,
                                     ScanEvent(4, v1::SCAN_STATE_COMPLETED)}}});
  EXPECT_EQ(RunWatch(*session, {.scan_id = "s-000001"}, Io(/*tty=*/true)), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("[##########----------]"));
  EXPECT_THAT(out_.str(), HasSubstr("\033["));  // cursor up over the previous drawing
  EXPECT_THAT(out_.str(), HasSubstr("0.125"));
}

TEST_F(ServiceCommandsTest, WatchTableShowsEveryTrialFromTheFirstDrawing) {
  // The stream's snapshot carries no trials; the table still lists them (seeded by GetScan).
  fake_.service().SetWatchScripts(
      {{{ScanEvent(1, v1::SCAN_STATE_RUNNING), ScanEvent(2, v1::SCAN_STATE_COMPLETED)}}});
  auto session = Session();
  EXPECT_EQ(RunWatch(*session, {.scan_id = "s-000001"}, Io(/*tty=*/true)), kOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("t-000001"));
  EXPECT_THAT(out_.str(), HasSubstr("t-000002"));
  EXPECT_THAT(out_.str(), HasSubstr("[####----------------]"));  // t-000001: 2 of 10 epochs
}

TEST_F(ServiceCommandsTest, WatchExits1WhenTheScanFailsAndPrintsJsonLines) {
  fake_.service().SetWatchScripts(
      {{{ScanEvent(1, v1::SCAN_STATE_RUNNING), ScanEvent(2, v1::SCAN_STATE_FAILED)}}});
  auto session = Session();
  EXPECT_EQ(RunWatch(*session, {.scan_id = "s-000001", .output = OutputFormat::kJson}, Io()),
            kFailure);
  const std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["scan"]["state"], "SCAN_STATE_FAILED");
}

TEST_F(ServiceCommandsTest, WatchReconnectsOnceOnUnavailable) {
  const grpc::Status lost(grpc::StatusCode::UNAVAILABLE, "coordinator restarting");
  fake_.service().SetWatchScripts(
      {{{ScanEvent(1, v1::SCAN_STATE_RUNNING)}, lost}, {{ScanEvent(2, v1::SCAN_STATE_COMPLETED)}}});
  auto session = Session();
  WatchArgs args{.scan_id = "s-000001", .reconnect_delay = std::chrono::milliseconds(0)};
  EXPECT_EQ(RunWatch(*session, args, Io()), kOk) << err_.str();
  EXPECT_EQ(fake_.service().watch_calls(), 2);
  EXPECT_THAT(err_.str(), HasSubstr("reconnecting"));

  // A reconnect that delivers nothing and fails again gives up with exit 4.
  err_.str("");
  fake_.service().SetWatchScripts({{{ScanEvent(1, v1::SCAN_STATE_RUNNING)}, lost},
                                   {{}, lost},
                                   {{ScanEvent(2, v1::SCAN_STATE_COMPLETED)}}});
  EXPECT_EQ(RunWatch(*session, args, Io()), kUnavailable);
  EXPECT_EQ(fake_.service().watch_calls(), 2);
  EXPECT_THAT(err_.str(), HasSubstr("coordinator restarting"));
}

}  // namespace
}  // namespace cascade::cli
