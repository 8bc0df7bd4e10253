#include "common/gan/keras_weights.h"

#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/testing/source_dir.h"
#include "tests/unit/common/gan/gan_spec_arena.h"

namespace cascade::gan {
namespace {

namespace fs = std::filesystem;
using testing::DiscriminatorSpec;
using testing::GeneratorSpec;
using ::testing::HasSubstr;

constexpr const char* kGenFiles[] = {"maelin50_full__params_generator_epoch_049.hdf5",
                                     "veganweights__params_generator_epoch_049.hdf5",
                                     "veganweights__params_generator_epoch_029.hdf5"};
constexpr const char* kDiscFiles[] = {"maelin50_full__params_discriminator_epoch_049.hdf5",
                                      "veganweights__params_discriminator_epoch_049.hdf5",
                                      "veganweights__params_discriminator_epoch_029.hdf5"};

fs::path ArtifactsDir() {
  const char* src = cascade::testing::SourceDir();
  return fs::path(src ? src : ".") / ".." / "shared" / "3dgan_artifacts";
}

#define SKIP_WITHOUT_ARTIFACTS()                                       \
  if (!fs::exists(ArtifactsDir() / kGenFiles[0]))                      \
  GTEST_SKIP() << "CERN Keras weights not found in " << ArtifactsDir() \
               << " (set CASCADE_SOURCE_DIR to the repo; see ../shared/3dgan_artifacts/README.md)"

// Per-test scratch directory, removed afterwards.
class KerasWeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("cascade_keras_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }
  // A writable copy of a real artifact.
  std::string CopyOf(const char* name) {
    const fs::path dst = tmp_ / name;
    fs::copy_file(ArtifactsDir() / name, dst);
    fs::permissions(dst, fs::perms::owner_write, fs::perm_options::add);
    return dst.string();
  }
  fs::path tmp_;
};

std::vector<float> ArenaTensor(nn::ParamArena& arena, const std::string& name) {
  auto s = arena.Find(name);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::vector<float>(s->begin(), s->end()) : std::vector<float>{};
}

TEST_F(KerasWeightsTest, ReadsEveryRealFileWithKerasShapes) {
  SKIP_WITHOUT_ARTIFACTS();
  for (const char* f : kGenFiles) {
    auto w = ReadKerasWeights((ArtifactsDir() / f).string());
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->size(), 17u) << f;
    EXPECT_EQ(w->at("dense_1/kernel").shape, (std::vector<int64_t>{200, 3136}));
    EXPECT_EQ(w->at("conv3d_2/kernel").shape, (std::vector<int64_t>{6, 5, 8, 64, 6}));
    EXPECT_EQ(w->at("batch_normalization_2/moving_variance").data.size(), 6u);
    EXPECT_EQ(w->count("conv3d_4/bias"), 0u);
  }
  for (const char* f : kDiscFiles) {
    auto w = ReadKerasWeights((ArtifactsDir() / f).string());
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->size(), 24u) << f;  // 20 in model_3 + 2 heads x 2; lambda_1 has none
    EXPECT_EQ(w->at("generation/kernel").shape, (std::vector<int64_t>{10648, 1}));
  }
}

TEST_F(KerasWeightsTest, ImportsGeneratorsWithChannelsFirstLayouts) {
  SKIP_WITHOUT_ARTIFACTS();
  for (const char* f : kGenFiles) {
    const std::string path = (ArtifactsDir() / f).string();
    auto model = GeneratorSpec(6, /*bn_per_channel=*/true);
    ASSERT_TRUE(ImportKerasGenerator(path, model->arena).ok()) << f;
    auto keras = ReadKerasWeights(path).value();

    // Dense→Reshape: Keras output (d,h,w,c) of (7,7,8,8) is our row ((c·7+d)·7+h)·8+w.
    const auto k = keras.at("dense_1/kernel").data;                           // (200, 3136)
    const auto ours = ArenaTensor(model->arena, "generator/dense_1/kernel");  // (3136, 200)
    const auto kb = keras.at("dense_1/bias").data;
    const auto ob = ArenaTensor(model->arena, "generator/dense_1/bias");
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
      const int c = rng() % 8, d = rng() % 7, h = rng() % 7, w = rng() % 8, i = rng() % 200;
      const int keras_col = d * 7 * 8 * 8 + h * 8 * 8 + w * 8 + c;
      const int our_row = c * 7 * 7 * 8 + d * 7 * 8 + h * 8 + w;
      ASSERT_EQ(ours[our_row * 200 + i], k[i * 3136 + keras_col]);
      ASSERT_EQ(ob[our_row], kb[keras_col]);
    }
    // Conv kernel (kd,kh,kw,in,out) → (out,in,kd,kh,kw), conv3d_2: (6,5,8,64,6).
    const auto kc = keras.at("conv3d_2/kernel").data;
    const auto oc = ArenaTensor(model->arena, "generator/conv3d_2/kernel");
    for (int trial = 0; trial < 200; ++trial) {
      const int a = rng() % 6, b = rng() % 5, z = rng() % 8, i = rng() % 64, o = rng() % 6;
      ASSERT_EQ(oc[(((o * 64 + i) * 6 + a) * 5 + b) * 8 + z],
                kc[(((a * 5 + b) * 8 + z) * 64 + i) * 6 + o]);
    }
    // Direct copies, including the buffers block.
    EXPECT_EQ(ArenaTensor(model->arena, "generator/batch_normalization_1/moving_variance"),
              keras.at("batch_normalization_1/moving_variance").data);
    // conv3d_4 (2,2,2,6,1) → (1,6,2,2,2): input channel becomes the major axis.
    const auto k4 = keras.at("conv3d_4/kernel").data;
    const auto o4 = ArenaTensor(model->arena, "generator/conv3d_4/kernel");
    for (int s = 0; s < 8; ++s)
      for (int i = 0; i < 6; ++i) ASSERT_EQ(o4[i * 8 + s], k4[s * 6 + i]);
  }
}

TEST_F(KerasWeightsTest, ImportsDiscriminatorsWithChannelsFirstFlatten) {
  SKIP_WITHOUT_ARTIFACTS();
  for (const char* f : kDiscFiles) {
    const std::string path = (ArtifactsDir() / f).string();
    auto model = DiscriminatorSpec(8, /*bn_per_channel=*/true);
    ASSERT_TRUE(ImportKerasDiscriminator(path, model->arena).ok()) << f;
    auto keras = ReadKerasWeights(path).value();
    std::mt19937 rng(11);
    for (const char* head : {"generation", "auxiliary"}) {
      // Keras Flatten of (11,11,11,8) channels_last vs ours of (8,11,11,11).
      const auto k = keras.at(std::string(head) + "/kernel").data;
      const auto ours = ArenaTensor(model->arena, std::string("discriminator/") + head + "/kernel");
      ASSERT_EQ(ours.size(), 10648u);
      for (int trial = 0; trial < 300; ++trial) {
        const int c = rng() % 8, d = rng() % 11, h = rng() % 11, w = rng() % 11;
        ASSERT_EQ(ours[((c * 11 + d) * 11 + h) * 11 + w], k[((d * 11 + h) * 11 + w) * 8 + c]);
      }
      EXPECT_EQ(ArenaTensor(model->arena, std::string("discriminator/") + head + "/bias"),
                keras.at(std::string(head) + "/bias").data);
    }
    const auto k5 = keras.at("conv3d_5/kernel").data;  // (5,5,5,1,32)
    const auto o5 = ArenaTensor(model->arena, "discriminator/conv3d_5/kernel");
    for (int s = 0; s < 125; ++s)
      for (int o = 0; o < 32; ++o) ASSERT_EQ(o5[o * 125 + s], k5[s * 32 + o]);
    EXPECT_EQ(ArenaTensor(model->arena, "discriminator/batch_normalization_5/moving_mean"),
              keras.at("batch_normalization_5/moving_mean").data);
  }
}

TEST_F(KerasWeightsTest, RejectsArenaOfAnotherVariant) {
  SKIP_WITHOUT_ARTIFACTS();
  auto g_last = GeneratorSpec(6, /*bn_per_channel=*/false);
  auto st = ImportKerasGenerator((ArtifactsDir() / kGenFiles[0]).string(), g_last->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("generator/batch_normalization_1/gamma"));
  EXPECT_THAT(st.message(), HasSubstr("BN-per-channel"));

  auto g16 = GeneratorSpec(16, /*bn_per_channel=*/true);
  st = ImportKerasGenerator((ArtifactsDir() / kGenFiles[0]).string(), g16->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("generator/conv3d_2/kernel"));

  auto d_last = DiscriminatorSpec(8, /*bn_per_channel=*/false);
  st = ImportKerasDiscriminator((ArtifactsDir() / kDiscFiles[0]).string(), d_last->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("discriminator/batch_normalization_3"));
}

TEST_F(KerasWeightsTest, ParamCountsOfSpecArenasMatchContract) {
  // Guards the test's own spec helper against drifting from the contract totals.
  auto g = GeneratorSpec(6, true);
  auto d = DiscriminatorSpec(8, true);
  EXPECT_EQ(g->arena.num_trainable() + g->arena.num_buffers(), 872948);
  EXPECT_EQ(d->arena.num_trainable() + d->arena.num_buffers(), 73450);
  auto gl = GeneratorSpec(6, false);
  auto dl = DiscriminatorSpec(8, false);
  EXPECT_EQ(gl->arena.num_trainable() + gl->arena.num_buffers(), 872736);
  EXPECT_EQ(dl->arena.num_trainable() + dl->arena.num_buffers(), 73646);
}

// Fills the arena with a sentinel so a failed import can be shown to write nothing.
void FillSentinel(nn::ParamArena& arena) {
  std::fill(arena.params().begin(), arena.params().end(), 42.f);
  std::fill(arena.buffers().begin(), arena.buffers().end(), 42.f);
}

bool AllSentinel(nn::ParamArena& arena) {
  for (float v : arena.params())
    if (v != 42.f) return false;
  for (float v : arena.buffers())
    if (v != 42.f) return false;
  return true;
}

TEST_F(KerasWeightsTest, MissingDatasetIsNamedAndNothingIsWritten) {
  SKIP_WITHOUT_ARTIFACTS();
  const std::string path = CopyOf(kGenFiles[1]);
  {
    H5::H5File f(path, H5F_ACC_RDWR);
    ASSERT_GE(H5Ldelete(f.getId(), "sequential_1/conv3d_2/kernel:0", H5P_DEFAULT), 0);
  }
  auto model = GeneratorSpec(6, true);
  FillSentinel(model->arena);
  const auto st = ImportKerasGenerator(path, model->arena);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(path));
  EXPECT_THAT(st.message(), HasSubstr("conv3d_2/kernel"));
  EXPECT_TRUE(AllSentinel(model->arena));
}

TEST_F(KerasWeightsTest, TensorMissingFromWeightNamesIsNamed) {
  SKIP_WITHOUT_ARTIFACTS();
  // A discriminator file whose auxiliary layer lists no weights at all.
  const std::string path = CopyOf(kDiscFiles[0]);
  {
    H5::H5File f(path, H5F_ACC_RDWR);
    H5::Group g = f.openGroup("auxiliary");
    g.removeAttr("weight_names");
  }
  auto model = DiscriminatorSpec(8, true);
  const auto st = ImportKerasDiscriminator(path, model->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr(path));
  EXPECT_THAT(st.message(), HasSubstr("'auxiliary/kernel' is missing"));
}

TEST_F(KerasWeightsTest, MisShapedTensorIsNamedWithBothShapes) {
  SKIP_WITHOUT_ARTIFACTS();
  const std::string path = CopyOf(kDiscFiles[1]);
  {
    H5::H5File f(path, H5F_ACC_RDWR);
    ASSERT_GE(H5Ldelete(f.getId(), "model_3/conv3d_7/kernel:0", H5P_DEFAULT), 0);
    hsize_t dims[5] = {5, 5, 5, 8, 7};
    std::vector<float> zeros(5 * 5 * 5 * 8 * 7, 0.f);
    f.createDataSet("model_3/conv3d_7/kernel:0", H5::PredType::IEEE_F32LE, H5::DataSpace(5, dims))
        .write(zeros.data(), H5::PredType::NATIVE_FLOAT);
  }
  auto model = DiscriminatorSpec(8, true);
  FillSentinel(model->arena);
  const auto st = ImportKerasDiscriminator(path, model->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr(path));
  EXPECT_THAT(st.message(),
              HasSubstr("'conv3d_7/kernel' has shape (5, 5, 5, 8, 7), expected (5, 5, 5, 8, 8)"));
  EXPECT_TRUE(AllSentinel(model->arena));
}

TEST_F(KerasWeightsTest, TruncatedFileIsAnError) {
  SKIP_WITHOUT_ARTIFACTS();
  const fs::path path = tmp_ / "truncated.hdf5";
  {
    std::ifstream in(ArtifactsDir() / kGenFiles[0], std::ios::binary);
    std::vector<char> bytes(1 << 20);  // first MiB of 3.5
    in.read(bytes.data(), bytes.size());
    std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
  }
  auto model = GeneratorSpec(6, true);
  const auto st = ImportKerasGenerator(path.string(), model->arena);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(path.string()));
}

TEST_F(KerasWeightsTest, NonHdf5AndMissingFilesAreNamed) {
  const fs::path text = tmp_ / "weights.hdf5";
  std::ofstream(text) << "this is not HDF5\n";
  auto model = GeneratorSpec(6, true);
  auto st = ImportKerasGenerator(text.string(), model->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr(text.string()));
  EXPECT_THAT(st.message(), HasSubstr("not an HDF5 file"));

  st = ImportKerasGenerator((tmp_ / "nope.hdf5").string(), model->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr("nope.hdf5"));
}

TEST_F(KerasWeightsTest, GeneratorFileGivenToDiscriminatorSaysSo) {
  SKIP_WITHOUT_ARTIFACTS();
  auto model = DiscriminatorSpec(8, true);
  const auto st = ImportKerasDiscriminator((ArtifactsDir() / kGenFiles[0]).string(), model->arena);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr("conv3d_5/kernel"));
  EXPECT_THAT(st.message(), HasSubstr("looks like a generator"));
}

}  // namespace
}  // namespace cascade::gan
