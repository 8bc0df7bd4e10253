#include "common/gan/checkpoint_io.h"

#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

namespace cascade::gan {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class CheckpointIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("cascade_ckpt_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path tmp_;
};

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

Checkpoint Sample() {
  Checkpoint c;
  c.config_json = R"({"filters":"original","bn_axis":"last","latent_size":200})";
  c.step = 123456789012345;
  c.epoch = 7;
  // Deliberately not in name order, so the round trip must keep the vector order.
  c.tensors.push_back(
      {"generator/params/conv3d_1/kernel", {64, 8, 6, 6, 8}, Random(64 * 8 * 288, 1)});
  c.tensors.push_back(
      {"discriminator/buffers/batch_normalization_3/moving_mean", {25}, Random(25, 2)});
  c.tensors.push_back({"optimizer/discriminator/accumulators", {1000}, Random(1000, 3)});
  c.tensors.push_back({"scalar_tensor", {}, {3.5f}});
  c.tensors.push_back({"empty", {0, 4}, {}});
  // Special values must survive bit for bit.
  c.tensors.push_back(
      {"special",
       {5},
       {-0.f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::denorm_min(),
        std::numeric_limits<float>::quiet_NaN(), 1e-38f}});
  c.strings["rng"] = "1 2 3 18446744073709551615 nested \"quotes\" and ünïcode";
  c.strings["data_cursor"] = R"({"file":0,"index":512})";
  c.strings["a/b/c"] = "";
  c.scalars["optimizer/discriminator/lr"] = 1e-3;
  c.scalars["optimizer/generator/lr"] = 0.1 + 0.2;  // not exactly representable
  c.scalars["loss"] = -std::numeric_limits<double>::max();
  return c;
}

void ExpectBitEqual(const std::vector<float>& a, const std::vector<float>& b,
                    const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  if (a.empty()) return;  // data() may be null, which memcmp must not see
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << what;
}

TEST_F(CheckpointIoTest, RoundTripIsBitForBit) {
  const std::string path = (tmp_ / "ckpt.h5").string();
  const Checkpoint in = Sample();
  ASSERT_TRUE(WriteCheckpoint(path, in).ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  auto out = ReadCheckpoint(path);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->config_json, in.config_json);
  EXPECT_EQ(out->step, in.step);
  EXPECT_EQ(out->epoch, in.epoch);
  ASSERT_EQ(out->tensors.size(), in.tensors.size());
  for (size_t i = 0; i < in.tensors.size(); ++i) {
    EXPECT_EQ(out->tensors[i].name, in.tensors[i].name);
    EXPECT_EQ(out->tensors[i].shape, in.tensors[i].shape) << in.tensors[i].name;
    ExpectBitEqual(out->tensors[i].data, in.tensors[i].data, in.tensors[i].name);
  }
  EXPECT_EQ(out->strings, in.strings);
  ASSERT_EQ(out->scalars.size(), in.scalars.size());
  for (const auto& [k, v] : in.scalars) {
    EXPECT_EQ(std::memcmp(&out->scalars.at(k), &v, sizeof v), 0) << k;
  }
}

TEST_F(CheckpointIoTest, OverwritesAtomicallyAndRejectsBadNames) {
  const std::string path = (tmp_ / "ckpt.h5").string();
  Checkpoint c = Sample();
  ASSERT_TRUE(WriteCheckpoint(path, c).ok());
  c.step = 5;
  c.tensors.resize(1);
  ASSERT_TRUE(WriteCheckpoint(path, c).ok());
  EXPECT_EQ(ReadCheckpoint(path)->step, 5);
  EXPECT_EQ(ReadCheckpoint(path)->tensors.size(), 1u);

  // A failed write leaves the previous checkpoint intact and no temp file behind.
  Checkpoint bad = c;
  bad.tensors.push_back({"x//y", {1}, {1.f}});
  auto st = WriteCheckpoint(path, bad);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("x//y"));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(ReadCheckpoint(path)->step, 5);

  bad = c;
  bad.tensors.push_back({"w", {2, 3}, {1.f}});
  st = WriteCheckpoint(path, bad);
  EXPECT_THAT(st.message(), HasSubstr("'w' has 1 values but its shape holds 6"));
}

TEST_F(CheckpointIoTest, MissingFileIsNotFound) {
  const auto r = ReadCheckpoint((tmp_ / "none.h5").string());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("none.h5"));
}

TEST_F(CheckpointIoTest, NonHdf5IsNamed) {
  const fs::path p = tmp_ / "text.h5";
  std::ofstream(p) << "{\"json\": true}";
  const auto r = ReadCheckpoint(p.string());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(p.string()));
  EXPECT_THAT(r.status().message(), HasSubstr("not an HDF5 file"));
}

TEST_F(CheckpointIoTest, TruncatedFileIsNamed) {
  const std::string path = (tmp_ / "ckpt.h5").string();
  ASSERT_TRUE(WriteCheckpoint(path, Sample()).ok());
  fs::resize_file(path, fs::file_size(path) / 2);
  const auto r = ReadCheckpoint(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path));
}

TEST_F(CheckpointIoTest, OtherHdf5FormatAndVersionAreRejected) {
  const std::string other = (tmp_ / "other.h5").string();
  {
    H5::H5File f(other, H5F_ACC_TRUNC);
    f.createGroup("ECAL");
  }
  auto r = ReadCheckpoint(other);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(other));
  EXPECT_THAT(r.status().message(), HasSubstr("not a Cascade checkpoint"));

  const std::string v2 = (tmp_ / "v2.h5").string();
  ASSERT_TRUE(WriteCheckpoint(v2, Sample()).ok());
  {
    H5::H5File f(v2, H5F_ACC_RDWR);
    const int64_t two = 2;
    f.openAttribute("version").write(H5::PredType::NATIVE_INT64, &two);
  }
  r = ReadCheckpoint(v2);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("version 2"));
}

TEST_F(CheckpointIoTest, MissingTensorListedInIndexIsNamed) {
  const std::string path = (tmp_ / "ckpt.h5").string();
  ASSERT_TRUE(WriteCheckpoint(path, Sample()).ok());
  {
    H5::H5File f(path, H5F_ACC_RDWR);
    ASSERT_GE(H5Ldelete(f.getId(), "tensors/optimizer/discriminator/accumulators", H5P_DEFAULT), 0);
  }
  const auto r = ReadCheckpoint(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  EXPECT_THAT(r.status().message(), HasSubstr("optimizer/discriminator/accumulators"));
}

}  // namespace
}  // namespace cascade::gan
