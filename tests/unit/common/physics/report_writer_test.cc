#include "common/physics/report_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/physics/validate.h"
#include "toy_showers.h"

namespace cascade::physics {
namespace {

namespace fs = std::filesystem;

class ReportWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("physics_report_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    ValidationOptions o;
    o.energy_bins = EnergyBinsFromEdges({2, 250, 500});  // few bins: few plots, fast test
    const auto ref = testing::ToyElectronShowers(40, 21),
               cand = testing::ToyElectronShowers(40, 22);
    auto r = Validate(ref.View(), cand.View(), o);
    ASSERT_TRUE(r.ok()) << r.status();
    report_ = *std::move(r);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
  ValidationReport report_;
};

TEST_F(ReportWriterTest, WritesMetricsPlotsAndIndex) {
  const absl::Status s = WriteValidationReport(report_, dir_.string());
  if (absl::IsFailedPrecondition(s)) GTEST_SKIP() << "gnuplot not installed: " << s;
  ASSERT_TRUE(s.ok()) << s;
  const auto back = ValidationReportFromJson(Read(dir_ / "metrics.json"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_DOUBLE_EQ(back->sf_mre, report_.sf_mre);
  const std::string index = Read(dir_ / "index.html");
  int pngs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.path().extension() != ".png") continue;
    ++pngs;
    EXPECT_GT(fs::file_size(entry.path()), 1000u) << entry.path();
    const std::string rel = fs::relative(entry.path(), dir_).string();
    EXPECT_NE(index.find(rel), std::string::npos) << rel << " not shown in index.html";
  }
  // 1 SF-vs-Ep plot + per bin (3 bins): 3 profiles x 2 (lin, log) + 17 other observables.
  EXPECT_EQ(pngs, 1 + 3 * (6 + 17));
  EXPECT_TRUE(fs::exists(dir_ / "plots/bin0/z_profile_log.png"));
}

TEST_F(ReportWriterTest, MetricsOnlyNeedsNoGnuplot) {
  ReportWriterOptions o;
  o.plots = false;
  o.gnuplot = "/nonexistent/gnuplot";
  ASSERT_TRUE(WriteValidationReport(report_, dir_.string(), o).ok());
  EXPECT_TRUE(fs::exists(dir_ / "metrics.json"));
  EXPECT_TRUE(fs::exists(dir_ / "index.html"));
}

TEST_F(ReportWriterTest, MissingGnuplotIsAClearErrorAfterTheMetrics) {
  ReportWriterOptions o;
  o.gnuplot = "cascade-no-such-gnuplot";
  const absl::Status s = WriteValidationReport(report_, dir_.string(), o);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_NE(s.message().find("gnuplot"), std::string_view::npos);
  EXPECT_TRUE(fs::exists(dir_ / "metrics.json"));
}

}  // namespace
}  // namespace cascade::physics
