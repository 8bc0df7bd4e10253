// The elastic-group views: `cascade trials --detail` / `trials TRIAL` (generation history,
// recovery costs, provenance) and the straggler view of `cascade workers` and `cascade status`,
// from canned protos served by the in-process fake coordinator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_split.h"
#include "cli/command.h"
#include "cli/service_commands.h"
#include "cli/service_stragglers.h"
#include "cli/service_trial_detail.h"
#include "tests/unit/cli/fake_user_service.h"

namespace cascade::cli {
namespace {

using testing::FakeCoordinator;
using testing::FakeUserService;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// The first line containing every one of `parts`; "" when none does.
std::string LineWith(const std::string& text, std::vector<std::string> parts) {
  for (const auto& line : Lines(text)) {
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) return line;
  }
  return "";
}

v1::Worker Busy(const std::string& id, const std::string& trial, int32_t generation, int32_t rank,
                float step_seconds, float wait_seconds, bool straggler = false) {
  v1::Worker w;
  w.set_id(id);
  w.mutable_info()->set_hostname("node" + id.substr(id.size() - 2));
  w.mutable_info()->set_cpus(8);
  w.set_state(v1::WORKER_STATE_BUSY);
  w.set_trial_id(trial);
  w.set_generation(generation);
  w.set_rank(rank);
  w.mutable_timing()->set_step_seconds_mean(step_seconds);
  w.mutable_timing()->set_allreduce_wait_seconds_mean(wait_seconds);
  w.mutable_timing()->set_steps(50);
  w.set_straggler(straggler);
  return w;
}

class ElasticViewsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceSession> Session() {
    ResolvedConnection connection;
    connection.options.address = fake_.address();
    connection.options.token = FakeUserService::kToken;
    auto session = ServiceSession::Open(connection);
    EXPECT_TRUE(session.ok()) << session.status();
    return *std::move(session);
  }
  CommandIo Io() { return CommandIo{out_, err_, false}; }
  // t-000001 (scan s-000001) trains on three ranks; rank 2 does 2.1x the work per step of the
  // others and waits less in allreduce (the others wait for it). t-000003 (another scan) has two
  // ranks, one 1.7x slower but not flagged. w-000020 is idle.
  void UseTimedWorkers() {
    v1::Worker idle;
    idle.set_id("w-000020");
    idle.set_state(v1::WORKER_STATE_IDLE);
    fake_.service().SetWorkers({Busy("w-000001", "t-000001", 3, 0, 1.0f, 0.6f),
                                Busy("w-000003", "t-000001", 3, 1, 1.0f, 0.6f),
                                Busy("w-000007", "t-000001", 3, 2, 1.0f, 0.16f, true),
                                Busy("w-000010", "t-000003", 1, 0, 0.8f, 0.5f),
                                Busy("w-000011", "t-000003", 1, 1, 0.8f, 0.3f), idle});
  }

  FakeCoordinator fake_;
  std::ostringstream out_, err_;
};

TEST_F(ElasticViewsTest, TrialIdShowsGenerationHistoryRestartsAndLrScale) {
  auto session = Session();
  ASSERT_EQ(RunTrials(*session, "t-000001", false, OutputFormat::kTable, Io()), kOk) << err_.str();
  const std::string out = out_.str();
  EXPECT_THAT(Lines(out)[0], HasSubstr("trial t-000001  RUNNING"));
  EXPECT_THAT(Lines(out)[0], HasSubstr("restarts 1"));
  EXPECT_THAT(out, HasSubstr("lr scale    0.5"));
  EXPECT_THAT(out, HasSubstr("generation 3, 2 workers: w-000001 w-000003"));

  const std::string header = LineWith(out, {"GEN", "WORLD", "FROM", "RECOVERY", "REASON"});
  ASSERT_NE(header, "");
  const std::string gen1 = LineWith(out, {"w-000001,w-000002,w-000003"});
  const std::string gen2 = LineWith(out, {"lost heartbeats"});
  const std::string gen3 = LineWith(out, {"generator loss NaN"});
  EXPECT_THAT(gen1, HasSubstr("scratch"));
  EXPECT_THAT(gen1, HasSubstr("initial"));
  EXPECT_THAT(gen2, HasSubstr("in place"));
  EXPECT_THAT(gen2, HasSubstr(" 160 "));
  EXPECT_THAT(gen2, HasSubstr(" 40 "));
  EXPECT_THAT(gen2, HasSubstr("3.3s"));  // resumed_at − failed_at
  EXPECT_THAT(gen3, HasSubstr("disk"));
  EXPECT_THAT(gen3, HasSubstr("yes"));  // charged to the restart budget
  EXPECT_THAT(gen3, HasSubstr("12.0s"));
  // Aligned columns: each cell starts under its header.
  EXPECT_EQ(header.find("FROM"), gen2.find("in place"));
  EXPECT_EQ(header.find("FROM"), gen3.find("disk"));
  EXPECT_EQ(header.find("CHARGED"), gen3.find("yes"));
  EXPECT_EQ(header.find("RECOVERY") + std::string("RECOVERY").size(),
            gen2.find("3.3s") + std::string("3.3s").size());  // right-aligned
}

TEST_F(ElasticViewsTest, TrialDetailHasEverythingToReRunIt) {
  auto session = Session();
  ASSERT_EQ(RunTrials(*session, "t-000001", true, OutputFormat::kTable, Io()), kOk) << err_.str();
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("cascade   0.4.0"));
  EXPECT_THAT(out, HasSubstr("seed      987654321"));
  EXPECT_THAT(out, HasSubstr("model     filters 16"));
  EXPECT_THAT(out, HasSubstr("oneDNN    3.0.0, ISA avx512_core"));
  EXPECT_THAT(out, HasSubstr("Gloo      ring, timeout 30000 ms"));
  // Every dataset file with its hash, sorted by path (the proto map has no order).
  const size_t first = out.find("dataset   /data/EleEscan_1_1.h5  sha256 " + std::string(64, 'a'));
  const size_t second = out.find("/data/EleEscan_2_1.h5  sha256 " + std::string(64, 'b'));
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
}

TEST_F(ElasticViewsTest, ScanDetailPrintsEachTrialAndJsonKeepsTheProtoShape) {
  auto session = Session();
  ASSERT_EQ(RunTrials(*session, "s-000001", true, OutputFormat::kTable, Io()), kOk);
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("trial t-000001"));
  EXPECT_THAT(out, HasSubstr("trial t-000002"));
  // Only t-000001 regrouped, was rescaled and has provenance.
  EXPECT_EQ(out.find("generations"), out.rfind("generations"));
  EXPECT_EQ(out.find("lr scale"), out.rfind("lr scale"));
  EXPECT_EQ(out.find("provenance"), out.rfind("provenance"));
  EXPECT_LT(out.find("provenance"), out.find("trial t-000002"));

  out_.str("");
  ASSERT_EQ(RunTrials(*session, "s-000001", true, OutputFormat::kJson, Io()), kOk);
  auto doc = nlohmann::json::parse(out_.str());
  ASSERT_EQ(doc["trials"].size(), 2u);
  EXPECT_EQ(doc["trials"][0]["generations"].size(), 3u);
  EXPECT_EQ(doc["trials"][0]["generations"][1]["in_place"], true);
  EXPECT_EQ(doc["trials"][0]["generations"][1]["steps_lost"], "40");  // int64 as a string
  EXPECT_DOUBLE_EQ(doc["trials"][0]["lr_scale"].get<double>(), 0.5);

  out_.str("");
  ASSERT_EQ(RunTrials(*session, "t-000001", false, OutputFormat::kJson, Io()), kOk);
  doc = nlohmann::json::parse(out_.str());
  EXPECT_EQ(doc["trial"]["provenance"]["dataset_sha256"].size(), 2u);
  EXPECT_EQ(doc["trial"]["provenance"]["gloo_timeout_ms"], 30000);
  EXPECT_EQ(doc["checkpoints"].size(), 3u);
}

TEST_F(ElasticViewsTest, UnknownTrialExits3) {
  auto session = Session();
  EXPECT_EQ(RunTrials(*session, "t-999", false, OutputFormat::kTable, Io()), kBadInput);
  EXPECT_THAT(err_.str(), HasSubstr("trial t-999 not found"));
}

TEST_F(ElasticViewsTest, WorkersShowTimingRatioAndStragglerFlag) {
  UseTimedWorkers();
  auto session = Session();
  ASSERT_EQ(RunWorkers(*session, {{}, OutputFormat::kTable}, Io()), kOk) << err_.str();
  const std::string out = out_.str();
  const std::string header = Lines(out)[0];
  const std::string slow = LineWith(out, {"w-000007"});
  const std::string fast = LineWith(out, {"w-000001"});
  const std::string idle = LineWith(out, {"w-000020"});
  EXPECT_THAT(slow, HasSubstr("STRAGGLER"));
  EXPECT_EQ(header.find("FLAG"), slow.find("STRAGGLER"));
  EXPECT_THAT(slow, HasSubstr("2.1x"));   // 0.84 s of work vs the others' 0.4
  EXPECT_THAT(slow, HasSubstr("0.160"));  // its allreduce wait
  EXPECT_THAT(fast, Not(HasSubstr("STRAGGLER")));
  EXPECT_THAT(fast, HasSubstr("0.6"));      // allreduce wait of a rank waiting for the straggler
  EXPECT_THAT(idle, Not(HasSubstr("x ")));  // no timing, no ratio

  out_.str("");
  ASSERT_EQ(RunWorkers(*session, {{}, OutputFormat::kJson}, Io()), kOk);
  const auto doc = nlohmann::json::parse(out_.str());
  EXPECT_EQ(doc["workers"][2]["straggler"], true);
  EXPECT_FLOAT_EQ(doc["workers"][2]["timing"]["allreduce_wait_seconds_mean"].get<float>(), 0.16f);
}

TEST_F(ElasticViewsTest, StatusListsStragglersOfRunningTrials) {
  UseTimedWorkers();
  auto session = Session();
  ASSERT_EQ(RunStatus(*session, "", OutputFormat::kTable, Io()), kOk) << err_.str();
  std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("\nstragglers\n"));
  EXPECT_THAT(out, HasSubstr("t-000001 rank 2 (w-000007 on node07) 2.1x slower than its group"));
  EXPECT_EQ(LineWith(out, {"w-000007"}).find("  STRAGGLER "), 0u);
  EXPECT_THAT(LineWith(out, {"w-000007"}), HasSubstr("(0.840 vs 0.400 s of work per step)"));
  // Slower at the last heartbeat but not (yet) judged persistent by the coordinator.
  EXPECT_THAT(LineWith(out, {"w-000011"}), HasSubstr("1.7x slower"));
  EXPECT_EQ(LineWith(out, {"w-000011"}).find("  slow "), 0u);
  EXPECT_THAT(LineWith(out, {"w-000011"}), HasSubstr("not flagged"));
  EXPECT_THAT(out, Not(HasSubstr("w-000001 ")));
  EXPECT_THAT(out, Not(HasSubstr("w-000010")));

  out_.str("");
  ASSERT_EQ(RunStatus(*session, "", OutputFormat::kJson, Io()), kOk);
  const auto doc = nlohmann::json::parse(out_.str());
  ASSERT_EQ(doc["stragglers"].size(), 2u);
  EXPECT_EQ(doc["stragglers"][0]["worker_id"], "w-000007");
  EXPECT_EQ(doc["stragglers"][0]["rank"], 2);
  EXPECT_EQ(doc["stragglers"][0]["flagged"], true);
  EXPECT_NEAR(doc["stragglers"][0]["ratio"].get<double>(), 2.1, 0.01);
  EXPECT_EQ(doc["stragglers"][1]["flagged"], false);

  // One scan: only the stragglers of its running trials (t-000003 belongs to no such scan).
  out_.str("");
  ASSERT_EQ(RunStatus(*session, "s-000001", OutputFormat::kTable, Io()), kOk);
  out = out_.str();
  EXPECT_THAT(out, HasSubstr("w-000007 on node07"));
  EXPECT_THAT(out, Not(HasSubstr("w-000011")));
}

TEST_F(ElasticViewsTest, StatusWithoutTimingListsNoStragglers) {
  auto session = Session();
  ASSERT_EQ(RunStatus(*session, "", OutputFormat::kTable, Io()), kOk);
  EXPECT_THAT(out_.str(), Not(HasSubstr("stragglers")));
  ASSERT_EQ(RunStatus(*session, "s-000001", OutputFormat::kTable, Io()), kOk);
  EXPECT_THAT(out_.str(), Not(HasSubstr("stragglers")));
}

TEST(StragglersTest, ComparesOnlyWithinOneGenerationOfOneTrial) {
  google::protobuf::RepeatedPtrField<v1::Worker> workers;
  *workers.Add() = Busy("w-000001", "t-000001", 1, 0, 2.0f, 0.0f);
  *workers.Add() = Busy("w-000002", "t-000001", 2, 0, 1.0f, 0.0f);  // next generation
  *workers.Add() = Busy("w-000003", "t-000001", 2, 1, 3.0f, 0.0f);
  *workers.Add() = Busy("w-000004", "t-000001", 2, 2, 1.0f, 0.0f);
  v1::Worker no_steps = Busy("w-000005", "t-000001", 2, 3, 9.0f, 0.0f);
  no_steps.mutable_timing()->set_steps(0);  // means over no steps: ignored
  *workers.Add() = no_steps;
  const std::vector<RankSpeed> speeds = CompareToGroups(workers);
  ASSERT_EQ(speeds.size(), 5u);
  EXPECT_EQ(speeds[0].ratio, 0);  // alone in generation 1
  EXPECT_EQ(FormatRatio(speeds[0]), "-");
  EXPECT_DOUBLE_EQ(speeds[2].ratio, 3.0);  // vs the median of the OTHER members (1, 1)
  EXPECT_DOUBLE_EQ(speeds[1].ratio, 0.5);  // vs median(3, 1) = 2
  EXPECT_FALSE(speeds[4].has_timing);
  EXPECT_TRUE(IsStraggler(speeds[2]));
  EXPECT_FALSE(IsStraggler(speeds[1]));
  const auto found = FindStragglers(workers);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].worker->id(), "w-000003");
}

TEST(TrialDetailTest, DurationsAndSources) {
  EXPECT_EQ(FormatDuration(0.84), "0.8s");
  EXPECT_EQ(FormatDuration(187), "3m07s");
  EXPECT_EQ(FormatDuration(7500), "2h05m");
  google::protobuf::Timestamp a, b;
  EXPECT_LT(SecondsBetween(a, b), 0);  // unset: unknown
  a.set_seconds(10);
  b.set_seconds(12);
  b.set_nanos(500000000);
  EXPECT_DOUBLE_EQ(SecondsBetween(a, b), 2.5);
  v1::GroupGeneration g;
  EXPECT_EQ(GenerationSource(g), "scratch");
  g.set_start_step(10);
  EXPECT_EQ(GenerationSource(g), "disk");
  g.set_in_place(true);
  EXPECT_EQ(GenerationSource(g), "in place");
}

}  // namespace
}  // namespace cascade::cli
