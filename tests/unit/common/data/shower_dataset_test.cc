#include "common/data/shower_dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/data/shower_file.h"
#include "tests/unit/common/data/h5_fixtures.h"

namespace cascade::data {
namespace {

using ::testing::HasSubstr;
using testing::MakeTaggedShowers;
using testing::TempDir;

void WriteFiles(const TempDir& dir, int count, int64_t events) {
  for (int k = 0; k < count; ++k) {
    ASSERT_TRUE(WriteShowerFile(dir.File("EleEscan_" + std::to_string(10 + k) + ".h5"),
                                MakeTaggedShowers(events, k * events))
                    .ok());
  }
}

TEST(ShowerDatasetTest, SplitsTwentyFilesEighteenToTwoInSortedOrder) {
  TempDir dir;
  WriteFiles(dir, 20, 2);
  auto ds = ShowerDataset::Open({dir.path().string()});
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->train().size(), 18u);
  ASSERT_EQ(ds->test().size(), 2u);
  EXPECT_THAT(ds->test()[0].path, HasSubstr("EleEscan_28.h5"));
  EXPECT_THAT(ds->test()[1].path, HasSubstr("EleEscan_29.h5"));
  EXPECT_EQ(ds->num_train_events(), 36);
  EXPECT_EQ(ds->num_test_events(), 4);
}

TEST(ShowerDatasetTest, FewFilesKeepOneTestFile) {
  TempDir dir;
  WriteFiles(dir, 3, 4);
  auto ds = ShowerDataset::Open(
      {dir.File("EleEscan_12.h5"), dir.File("EleEscan_10.h5"), dir.File("EleEscan_11.h5")});
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->train().size(), 2u);
  EXPECT_THAT(ds->train()[0].path, HasSubstr("EleEscan_10.h5"));
  ASSERT_EQ(ds->test().size(), 1u);
  EXPECT_THAT(ds->test()[0].path, HasSubstr("EleEscan_12.h5"));
}

TEST(ShowerDatasetTest, SingleFileSplitsByEvents) {
  TempDir dir;
  WriteFiles(dir, 1, 50);
  auto ds = ShowerDataset::Open({dir.File("EleEscan_10.h5")});
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->train().size(), 1u);
  ASSERT_EQ(ds->test().size(), 1u);
  EXPECT_EQ(ds->train()[0].begin, 0);
  EXPECT_EQ(ds->train()[0].end, 45);
  EXPECT_EQ(ds->test()[0].begin, 45);
  EXPECT_EQ(ds->test()[0].end, 50);
}

TEST(ShowerDatasetTest, RejectsFilesThatDisagreeInShape) {
  TempDir dir;
  WriteFiles(dir, 1, 2);
  {
    H5::H5File f(dir.File("EleEscan_99.h5"), H5F_ACC_TRUNC);
    testing::WriteDataset(f, "ECAL", {1, 51, 51, 25}, H5::PredType::IEEE_F32LE,
                          H5::PredType::NATIVE_FLOAT, std::vector<float>(51 * 51 * 25, 0.0f));
    testing::WriteDataset(f, "energy", {1}, H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT,
                          std::vector<float>{10});
  }
  auto ds = ShowerDataset::Open({dir.path().string()});
  ASSERT_FALSE(ds.ok());
  EXPECT_THAT(std::string(ds.status().message()),
              ::testing::AllOf(HasSubstr("disagree in shape"), HasSubstr("EleEscan_99.h5"),
                               HasSubstr("(N, 51, 51, 25)")));
}

TEST(ShowerDatasetTest, ReportsTheBadFile) {
  TempDir dir;
  WriteFiles(dir, 2, 2);
  std::ofstream(dir.File("EleEscan_50.h5")) << "not hdf5";
  auto ds = ShowerDataset::Open({dir.path().string()});
  ASSERT_FALSE(ds.ok());
  EXPECT_THAT(std::string(ds.status().message()), HasSubstr("EleEscan_50.h5: not an HDF5 file"));
}

TEST(ShowerDatasetTest, EmptyDirectoryIsAnError) {
  TempDir dir;
  EXPECT_FALSE(ShowerDataset::Open({dir.path().string()}).ok());
}

}  // namespace
}  // namespace cascade::data
