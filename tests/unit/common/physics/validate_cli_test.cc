// `cascade validate` end to end on tiny hand-written EleEscan files: the real binary, real files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/data/shower_file.h"
#include "toy_showers.h"

namespace cascade::physics {
namespace {

namespace fs = std::filesystem;

class ValidateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("validate_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    WriteToy(dir_ / "ref.h5", 31, 1.0);
    WriteToy(dir_ / "cand.h5", 32, 1.0);
    WriteToy(dir_ / "cand_low.h5", 33, 0.8);  // 20% low sampling fraction
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void WriteToy(const fs::path& path, uint64_t seed, double scale) {
    const testing::ToyShowers toy = testing::ToyElectronShowers(40, seed, scale);
    data::ShowerSet set{toy.n, toy.ecal, toy.energy};
    ASSERT_TRUE(data::WriteShowerFile(path.string(), set).ok());
  }

  // Runs the cascade binary and returns its exit code.
  int Run(const std::string& args) {
    const std::string cmd = std::string("'") + CASCADE_CLI + "' validate " + args + " > '" +
                            (dir_ / "out.txt").string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string Path(const char* name) const { return "'" + (dir_ / name).string() + "'"; }

  fs::path dir_;
};

TEST_F(ValidateCliTest, WritesMetricsPlotsAndIndex) {
  const fs::path report = dir_ / "report";
  ASSERT_EQ(Run("--reference " + Path("ref.h5") + " --candidate " + Path("cand.h5") +
                " --report '" + report.string() + "' --energy-bins 2,250,500"),
            0);
  EXPECT_TRUE(fs::exists(report / "metrics.json"));
  EXPECT_TRUE(fs::exists(report / "index.html"));
  EXPECT_TRUE(fs::exists(report / "plots/sampling_fraction_vs_energy.png"));
  EXPECT_TRUE(fs::exists(report / "plots/bin1/z_profile_log.png"));
  EXPECT_TRUE(fs::exists(report / "plots/bin2/cell_spectrum.png"));
}

TEST_F(ValidateCliTest, FailOnMreGatesOnTheSamplingFraction) {
  const std::string common = " --reference " + Path("ref.h5") + " --report " + Path("r") +
                             " --metrics-only --energy-bins 2,250,500 --fail-on-mre 0.1";
  EXPECT_EQ(Run("--candidate " + Path("cand.h5") + common), 0);
  EXPECT_EQ(Run("--candidate " + Path("cand_low.h5") + common), 1);
}

TEST_F(ValidateCliTest, BadInputsGiveDistinctExitCodes) {
  // A file that does not exist is a usage error (CLI11 check, exit 2).
  EXPECT_EQ(Run("--reference " + Path("missing.h5") + " --candidate " + Path("cand.h5") +
                " --report " + Path("r")),
            2);
  // A file that is not HDF5 is bad input (exit 3).
  { std::ofstream(dir_ / "junk.h5") << "not hdf5"; }
  EXPECT_EQ(Run("--reference " + Path("junk.h5") + " --candidate " + Path("cand.h5") +
                " --report " + Path("r")),
            3);
}

}  // namespace
}  // namespace cascade::physics
