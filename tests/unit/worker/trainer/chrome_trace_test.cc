// ChromeTrace writes loadable trace-event JSON per rank; a file cut off mid-run is still merged.
#include "worker/trainer/chrome_trace.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cascade::trainer {
namespace {

nlohmann::json Load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

TEST(ChromeTraceTest, WritesCompletePhasesPerRankAndMergesCutOffFiles) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cascade_trace_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string a = (dir / "a.json").string(), b = (dir / "b.json").string();
  {
    ChromeTrace t;
    ASSERT_TRUE(t.Open(a, 0, "node1").ok());
    const auto t0 = ChromeTrace::Clock::now();
    t.Phase("d_real", "allreduce", t0, t0 + std::chrono::milliseconds(3), {{"bytes_sent", 42}});
  }  // destructor closes the JSON
  auto ja = Load(a);
  ASSERT_TRUE(ja.contains("traceEvents"));
  const auto& e = ja["traceEvents"].back();
  EXPECT_EQ(e["ph"], "X");
  EXPECT_EQ(e["cat"], "allreduce");
  EXPECT_NEAR(e["dur"].get<double>(), 3000.0, 1.0);
  EXPECT_EQ(e["args"]["bytes_sent"], 42);
  {  // rank 1 "killed": its file lacks the closing brackets
    ChromeTrace t;
    ASSERT_TRUE(t.Open(b, 1, "").ok());
    const auto t0 = ChromeTrace::Clock::now();
    t.Phase("step", "step", t0, t0);
    std::filesystem::copy_file(b, b + ".cut");
  }
  const std::string merged = (dir / "all.json").string();
  EXPECT_TRUE(MergeChromeTraces({a, b + ".cut"}, merged).ok());
  auto jm = Load(merged);
  int pid1 = 0;
  for (const auto& ev : jm["traceEvents"]) pid1 += ev["pid"] == 1;
  EXPECT_EQ(pid1, 4);  // 3 metadata events + the step
  const auto missing = MergeChromeTraces({a, (dir / "none.json").string()}, merged);
  EXPECT_EQ(missing.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(missing.message().find("none.json: missing"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cascade::trainer
