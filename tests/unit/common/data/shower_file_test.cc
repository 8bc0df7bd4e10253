#include "common/data/shower_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "tests/unit/common/data/h5_fixtures.h"

namespace cascade::data {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::MakeTaggedShowers;
using testing::TempDir;
using testing::WriteDataset;

const H5::PredType& kF32 = H5::PredType::IEEE_F32LE;
const H5::PredType& kNativeF = H5::PredType::NATIVE_FLOAT;

TEST(ShowerFileTest, RoundTripKeepsEventsAndEnergies) {
  TempDir dir;
  const ShowerSet in = MakeTaggedShowers(7);
  const std::string path = dir.File("EleEscan_0.h5");
  ASSERT_TRUE(WriteShowerFile(path, in).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto out = ReadShowerFile(path);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->n, 7);
  EXPECT_EQ(out->ecal, in.ecal);
  EXPECT_EQ(out->energy, in.energy);

  auto head = ReadShowerFile(path, {.max_events = 3});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->n, 3);
  EXPECT_EQ(head->energy[2], in.energy[2]);
}

TEST(ShowerFileTest, WritesKerasLayout) {
  TempDir dir;
  const std::string path = dir.File("f.h5");
  ASSERT_TRUE(WriteShowerFile(path, MakeTaggedShowers(4), {.gzip_level = 0}).ok());
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::DataSet ecal = file.openDataSet("ECAL");
  hsize_t dims[4];
  ASSERT_EQ(ecal.getSpace().getSimpleExtentDims(dims), 4);
  EXPECT_EQ(dims[0], 4u);
  EXPECT_EQ(dims[3], 25u);
  EXPECT_EQ(ecal.getDataType().getSize(), 4u);
  std::vector<float> target(8);
  file.openDataSet("target").read(target.data(), kNativeF);
  EXPECT_EQ(target[1], 10.0f);  // column 1 = Ep
  EXPECT_EQ(target[7], 40.0f);
}

TEST(ShowerFileTest, Reads51x51CropAndEnergyDataset) {
  TempDir dir;
  const std::string path = dir.File("angle.h5");
  std::vector<float> ecal(2 * 51 * 51 * 25, 0.0f);
  ecal[((1 * 51 + 13) * 51 + 13) * 25 + 0] = 5.0f;  // event 1, crop corner (0, 0, 0)
  ecal[((0 * 51 + 12) * 51 + 20) * 25 + 0] = 9.0f;  // outside the crop: dropped
  {
    H5::H5File f(path, H5F_ACC_TRUNC);
    WriteDataset(f, "ECAL", {2, 51, 51, 25}, kF32, kNativeF, ecal);
    WriteDataset(f, "energy", {2}, kF32, kNativeF, std::vector<float>{100, 150});
  }
  auto set = ReadShowerFile(path, {.cell_scale = 1.0f / 50});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->energy, (std::vector<float>{100, 150}));
  double sum0 = 0;
  for (int64_t i = 0; i < kShowerSize; ++i) sum0 += set->ecal[i];
  EXPECT_EQ(sum0, 0.0);
  EXPECT_FLOAT_EQ(set->ecal[kShowerSize], 0.1f);
}

TEST(ShowerFileTest, AcceptsFloat64Cells) {
  TempDir dir;
  const std::string path = dir.File("f64.h5");
  std::vector<double> ecal(kShowerSize, 0.5);
  {
    H5::H5File f(path, H5F_ACC_TRUNC);
    WriteDataset(f, "ECAL", {1, 25, 25, 25}, H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE,
                 ecal);
    WriteDataset(f, "target", {1, 2}, kF32, kNativeF, std::vector<float>{0, 50});
  }
  auto set = ReadShowerFile(path);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->ecal[123], 0.5f);
}

// A bad file: its name, how to build it, and what the error must say.
struct BadCase {
  std::string name;
  std::function<void(const std::string&)> make;
  std::vector<std::string> message;
};

void GoodFileWith(const std::string& path, const std::function<void(H5::H5File&)>& extra) {
  H5::H5File f(path, H5F_ACC_TRUNC);
  extra(f);
}

std::vector<float> Cells(int64_t n, float value = 0.01f) {
  return std::vector<float>(n * kShowerSize, value);
}

std::vector<BadCase> BadCases() {
  std::vector<BadCase> cases;
  auto ecal = [](H5::H5File& f, std::vector<float> cells) {
    WriteDataset(f, "ECAL", {cells.size() / kShowerSize, 25, 25, 25}, kF32, kNativeF, cells);
  };
  auto target = [](H5::H5File& f, std::vector<float> ep) {
    std::vector<float> t;
    for (float e : ep) t.insert(t.end(), {0.0f, e});
    WriteDataset(f, "target", {ep.size(), 2}, kF32, kNativeF, t);
  };
  cases.push_back({"missing_ecal",
                   [=](auto& p) { GoodFileWith(p, [&](auto& f) { target(f, {50}); }); },
                   {"missing dataset ECAL"}});
  cases.push_back({"missing_target",
                   [=](auto& p) { GoodFileWith(p, [&](auto& f) { ecal(f, Cells(1)); }); },
                   {"missing dataset target"}});
  cases.push_back({"wrong_rank",
                   [=](auto& p) {
                     GoodFileWith(p, [&](auto& f) {
                       WriteDataset(f, "ECAL", {1, 625, 25}, kF32, kNativeF, Cells(1));
                       target(f, {50});
                     });
                   },
                   {"dataset ECAL has shape (1, 625, 25)"}});
  cases.push_back({"wrong_shape",
                   [=](auto& p) {
                     GoodFileWith(p, [&](auto& f) {
                       WriteDataset(f, "ECAL", {1, 25, 25, 24}, kF32, kNativeF,
                                    std::vector<float>(25 * 25 * 24, 0.0f));
                       target(f, {50});
                     });
                   },
                   {"dataset ECAL has shape (1, 25, 25, 24)"}});
  cases.push_back({"integer_dtype",
                   [=](auto& p) {
                     GoodFileWith(p, [&](auto& f) {
                       WriteDataset(f, "ECAL", {1, 25, 25, 25}, H5::PredType::STD_I32LE,
                                    H5::PredType::NATIVE_INT, std::vector<int>(kShowerSize, 1));
                       target(f, {50});
                     });
                   },
                   {"dataset ECAL has dtype integer"}});
  cases.push_back({"target_rows_disagree",
                   [=](auto& p) {
                     GoodFileWith(p, [&](auto& f) {
                       ecal(f, Cells(2));
                       target(f, {50});
                     });
                   },
                   {"dataset target has shape (1, 2)"}});
  auto bad_cell = [=](float v, std::string what) {
    return BadCase{"cell_" + what,
                   [=](auto& p) {
                     GoodFileWith(p, [&](auto& f) {
                       auto cells = Cells(2);
                       cells[kShowerSize + (3 * 25 + 4) * 25 + 5] = v;
                       ecal(f, cells);
                       target(f, {50, 60});
                     });
                   },
                   {"dataset ECAL event 1 cell (x=3, y=4, z=5) is " + what}};
  };
  cases.push_back(bad_cell(std::numeric_limits<float>::quiet_NaN(), "NaN"));
  cases.push_back(bad_cell(std::numeric_limits<float>::infinity(), "Inf"));
  cases.push_back(bad_cell(-0.5f, "negative"));
  const std::pair<float, const char*> energies[] = {
      {0.0f, "zero"},
      {-5.0f, "negative"},
      {10001.0f, "above_10TeV"},
      {std::numeric_limits<float>::quiet_NaN(), "nan"}};
  for (const auto& [ep, label] : energies) {
    cases.push_back({std::string("energy_") + label,
                     [=](auto& p) {
                       GoodFileWith(p, [&](auto& f) {
                         ecal(f, Cells(2));
                         target(f, {50, ep});
                       });
                     },
                     {"dataset target[:, 1] event 1", "outside (0, 10000] GeV"}});
  }
  cases.push_back({"zero_events",
                   [=](auto& p) {
                     GoodFileWith(p, [&](auto& f) {
                       ecal(f, {});
                       target(f, {});
                     });
                   },
                   {"holds no events"}});
  cases.push_back({"zero_bytes", [](auto& p) { std::ofstream(p).flush(); }, {"empty file"}});
  cases.push_back({"not_hdf5",
                   [](auto& p) { std::ofstream(p) << "ECAL,target\n1,2\n"; },
                   {"not an HDF5 file"}});
  cases.push_back({"truncated",
                   [](auto& p) {
                     const std::string full = p + ".full";
                     ASSERT_TRUE(
                         WriteShowerFile(full, MakeTaggedShowers(20), {.gzip_level = 0}).ok());
                     testing::CopyPrefix(full, p, 0.5);
                   },
                   {"HDF5 error"}});
  cases.push_back({"missing_file", [](auto&) {}, {"cannot open"}});
  return cases;
}

class BadShowerFileTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadShowerFileTest, FailsWithMessageNamingFileAndDataset) {
  TempDir dir;
  const std::string path = dir.File(GetParam().name + ".h5");
  GetParam().make(path);
  auto set = ReadShowerFile(path);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()), HasSubstr(path));
  for (const std::string& m : GetParam().message) {
    EXPECT_THAT(std::string(set.status().message()), HasSubstr(m));
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, BadShowerFileTest, ::testing::ValuesIn(BadCases()),
                         [](const auto& info) { return info.param.name; });

TEST(ShowerFileTest, WriteRejectsInconsistentSet) {
  TempDir dir;
  ShowerSet bad = MakeTaggedShowers(3);
  bad.energy.pop_back();
  EXPECT_FALSE(WriteShowerFile(dir.File("x.h5"), bad).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.h5")));
}

}  // namespace
}  // namespace cascade::data
