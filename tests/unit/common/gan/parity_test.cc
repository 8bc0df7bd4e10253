// Parity with an independent implementation: golden fixtures written once by
// tests/tools/make_golden.py (PyTorch, float64) from the contract in docs/model.md. Both BN axes.
// Tolerance: ≤ 1e-4 relative to each tensor's scale (max |reference|), as float32 against
// float64 allows; after the RMSprop step the *update* is compared, scaled by the learning rate.
// Expected outputs larger than 4096 elements are stored as a strided sample (tests/tools/README.md,
// "Sampled datasets"): those checks cover the sampled elements, still against the whole tensor's
// scale, so a sample can only pass where the full tensor's check would pass on those elements.
#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "common/gan/gan_trainer.h"
#include "common/nn/losses.h"
#include "tests/testing/source_dir.h"

namespace cascade::gan {
namespace {

namespace fs = std::filesystem;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// An expected tensor from the fixture: all of it, or a strided sample (index[k] = k·stride mod n).
struct Expected {
  std::vector<float> values;   // (m) the stored elements
  std::vector<int64_t> index;  // (m) their flat indices in the full tensor
  int64_t elements = 0;        // n, the full tensor's size
  double scale = 0;            // max |x| over the full tensor
};

class Golden {
 public:
  explicit Golden(const fs::path& path) : file_(path.string(), H5F_ACC_RDONLY) {}

  std::vector<float> Floats(const std::string& name) {
    H5::DataSet ds = file_.openDataSet(name);
    const auto n = ds.getSpace().getSimpleExtentNpoints();
    std::vector<float> v(n);
    ds.read(v.data(), H5::PredType::NATIVE_FLOAT);
    return v;
  }
  Expected Reference(const std::string& name) {
    Expected e;
    e.values = Floats(name);
    H5::DataSet ds = file_.openDataSet(name);
    if (!ds.attrExists("stride")) {
      e.elements = static_cast<int64_t>(e.values.size());
      for (int64_t i = 0; i < e.elements; ++i) e.index.push_back(i);
      for (float v : e.values) e.scale = std::max(e.scale, std::abs(static_cast<double>(v)));
      return e;
    }
    H5::Attribute shape = ds.openAttribute("shape");
    std::vector<int64_t> dims(shape.getSpace().getSimpleExtentNpoints());
    shape.read(H5::PredType::NATIVE_INT64, dims.data());
    e.elements = 1;
    for (int64_t d : dims) e.elements *= d;
    int64_t stride = 0;
    ds.openAttribute("stride").read(H5::PredType::NATIVE_INT64, &stride);
    e.scale = DoubleAttr(ds, "max_abs");
    for (size_t k = 0; k < e.values.size(); ++k) {
      e.index.push_back(static_cast<int64_t>(k) * stride % e.elements);
    }
    return e;
  }
  uint64_t U64Attr(const std::string& group, const std::string& attr) {
    uint64_t v = 0;
    file_.openGroup(group).openAttribute(attr).read(H5::PredType::NATIVE_UINT64, &v);
    return v;
  }
  double DoubleAttr(const H5::H5Object& obj, const std::string& attr) {
    double v = 0;
    obj.openAttribute(attr).read(H5::PredType::NATIVE_DOUBLE, &v);
    return v;
  }
  std::string StrAttr(const std::string& attr) {
    H5::Attribute a = file_.openAttribute(attr);
    std::string s;
    a.read(a.getStrType(), s);
    return s;
  }

  // Fills every arena tensor with the fixture's deterministic initial values
  // (tests/tools/README.md) and checks each against the stored float64 sum.
  void FillInitial(nn::ParamArena& arena) {
    for (const auto& e : arena.entries()) {
      H5::DataSet info = file_.openDataSet("init/" + e.name);
      const double center = DoubleAttr(info, "center"), half = DoubleAttr(info, "halfwidth");
      const double want_sum = DoubleAttr(info, "sum");
      uint64_t seed = 0xcbf29ce484222325ULL;  // FNV-1a 64 of the tensor name
      for (unsigned char c : e.name) seed = (seed ^ c) * 0x100000001b3ULL;
      auto dst = (e.trainable ? arena.params() : arena.buffers()).subspan(e.offset, e.size);
      double sum = 0;
      for (int64_t j = 0; j < e.size; ++j) {
        const double u =
            static_cast<double>(
                SplitMix64(seed ^ (static_cast<uint64_t>(j) * 0x9E3779B97F4A7C15ULL)) >> 11) *
            0x1.0p-53;
        dst[j] = static_cast<float>(center + half * (2 * u - 1));
        sum += dst[j];
      }
      ASSERT_NEAR(sum, want_sum, 1e-9 * (1 + std::abs(want_sum))) << e.name;
    }
  }

 private:
  H5::H5File file_;
};

// max |a − b| / max |b| over the stored elements, b's scale taken over the whole tensor: relative
// to the tensor's scale, not per element.
double ScaledError(std::span<const float> got, const Expected& want) {
  double err = 0;
  for (size_t k = 0; k < want.index.size(); ++k) {
    err = std::max(err, std::abs(static_cast<double>(got[want.index[k]]) - want.values[k]));
  }
  return err / std::max(want.scale, 1e-30);
}

void ExpectClose(std::span<const float> got, const Expected& want, const std::string& what,
                 double tol = 1e-4) {
  ASSERT_EQ(static_cast<int64_t>(got.size()), want.elements) << what;
  EXPECT_LE(ScaledError(got, want), tol) << what;
}

class ParityTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const char* src = cascade::testing::SourceDir();
    path_ = fs::path(src ? src : ".") / "tests" / "fixtures" /
            (std::string("golden_") + GetParam() + ".h5");
    ASSERT_TRUE(fs::exists(path_)) << path_;
    H5::Exception::dontPrint();
    golden_ = std::make_unique<Golden>(path_);
    config_.bn_axis =
        std::string(GetParam()) == "last" ? nn::BnAxis::kLastSpatial : nn::BnAxis::kChannel;
    ASSERT_EQ(golden_->StrAttr("bn_axis"), GetParam());
  }
  fs::path path_;
  std::unique_ptr<Golden> golden_;
  ModelConfig config_;
  nn::Device device_;
};

TEST_P(ParityTest, GeneratorForwardInferenceAndTraining) {
  Generator g(config_);
  nn::ParamArena arena;
  g.RegisterParams(arena);
  arena.Allocate();
  golden_->FillInitial(arena);
  ASSERT_TRUE(g.Init(2, device_).ok());
  auto input = golden_->Floats("g_forward/input");
  dnnl::memory x(nn::PlainDesc({2, 200}), device_.engine, input.data());
  auto inference = nn::ReadToPlain(g.Forward(x, {.training = false}), device_.stream);
  ExpectClose(inference, golden_->Reference("g_forward/output_inference"), "G inference output");
  auto training = nn::ReadToPlain(g.Forward(x, {.training = true}), device_.stream);
  ExpectClose(training, golden_->Reference("g_forward/output_training"), "G training output");
  for (const auto& e : arena.entries()) {
    if (e.trainable) continue;
    ExpectClose(arena.buffers().subspan(e.offset, e.size),
                golden_->Reference("g_forward/buffers_after_training/" + e.name), e.name);
  }
}

TEST_P(ParityTest, DiscriminatorForwardAndBackward) {
  Discriminator d(config_);
  nn::ParamArena arena;
  d.RegisterParams(arena);
  arena.Allocate();
  golden_->FillInitial(arena);
  ASSERT_TRUE(d.Init(2, device_).ok());
  auto input = golden_->Floats("d_forward/input");
  dnnl::memory x(nn::PlainDesc({2, 1, 25, 25, 25}), device_.engine, input.data());
  const uint64_t seed = golden_->U64Attr("d_forward", "dropout_seed");
  const auto out = d.Forward(x, {.training = true, .dropout_seed = seed});
  ExpectClose(out.p, golden_->Reference("d_forward/generation"), "generation head");
  ExpectClose(out.aux, golden_->Reference("d_forward/auxiliary"), "auxiliary head");
  ExpectClose(out.ecal, golden_->Reference("d_forward/ecal"), "ecal head");

  // The contract loss and its gradients w.r.t. the three outputs.
  const auto labels = golden_->Floats("d_forward/labels");
  const auto energy = golden_->Floats("d_forward/energy");
  const auto ecal_target = golden_->Floats("d_forward/ecal_target");
  std::vector<float> dp(2), daux(2), decal(2);
  const auto& w = config_.loss_weights;
  const double bce = nn::BinaryCrossEntropy(out.p, labels, dp);
  const double mape_e = nn::MeanAbsolutePercentageError(out.aux, energy, daux);
  const double mape_s = nn::MeanAbsolutePercentageError(out.ecal, ecal_target, decal);
  const std::vector<float> terms{static_cast<float>(bce), static_cast<float>(mape_e),
                                 static_cast<float>(mape_s)};
  ExpectClose(terms, golden_->Reference("d_forward/loss_terms"), "loss terms");
  for (int n = 0; n < 2; ++n) {
    dp[n] *= w[0];
    daux[n] *= w[1];
    decal[n] *= w[2];
  }
  const auto& dx = d.Backward(dp, daux, decal, {.need_diff_src = true, .need_param_grads = true});
  const auto grad_input = nn::ReadToPlain(dx, device_.stream);
  // One pre-activation of conv3d_5 in this fixture lies 3.3e-8 from the LeakyReLU kink (sample 1,
  // channel 4, cell (12,19,14); tests/tools/README.md): float32 and float64 take different
  // branches there, which moves the input gradient in that cell's 5³ footprint and conv3d_5's own
  // gradients by ≤ 1 %. Everything downstream of it is held to 1e-4.
  ExpectClose(grad_input, golden_->Reference("d_forward/grad_input"), "d loss / d input", 2e-2);
  for (const auto& e : arena.entries()) {
    if (e.trainable) {
      const bool at_kink = e.name.find("conv3d_5") != std::string::npos;
      ExpectClose(arena.grads().subspan(e.offset, e.size),
                  golden_->Reference("d_forward/grads/" + e.name), "grad " + e.name,
                  at_kink ? 2e-2 : 1e-4);
    } else {
      ExpectClose(arena.buffers().subspan(e.offset, e.size),
                  golden_->Reference("d_forward/buffers_after/" + e.name), e.name);
    }
  }
}

TEST_P(ParityTest, OneFullTrainingStep) {
  GanTrainer trainer(config_, {.batch = 2});
  ASSERT_TRUE(trainer.Init(device_).ok());
  golden_->FillInitial(trainer.g_arena());
  golden_->FillInitial(trainer.d_arena());
  const std::vector<float> g_init(trainer.g_arena().params().begin(),
                                  trainer.g_arena().params().end());
  const std::vector<float> d_init(trainer.d_arena().params().begin(),
                                  trainer.d_arena().params().end());

  const std::string in = "train_step/inputs/";
  StepDraws draws;
  draws.z0 = golden_->Floats(in + "z0");
  draws.e0 = golden_->Floats(in + "e0");
  draws.z = {golden_->Floats(in + "z1"), golden_->Floats(in + "z2")};
  draws.e = {golden_->Floats(in + "e1"), golden_->Floats(in + "e2")};
  draws.real_labels = golden_->Floats(in + "labels_real");
  draws.fake_labels = golden_->Floats(in + "labels_fake");
  draws.seed_real = golden_->U64Attr("train_step/inputs", "dropout_seed_real");
  draws.seed_fake = golden_->U64Attr("train_step/inputs", "dropout_seed_fake");
  draws.seed_g = {golden_->U64Attr("train_step/inputs", "dropout_seed_g1"),
                  golden_->U64Attr("train_step/inputs", "dropout_seed_g2")};
  const auto real = golden_->Floats(in + "real");
  const auto real_e = golden_->Floats(in + "real_energy_gev");
  std::vector<float> e100(2), sums(2, 0.f);
  for (int n = 0; n < 2; ++n) {
    e100[n] = real_e[n] / 100.f;
    double s = 0;
    for (int i = 0; i < 15625; ++i) s += real[n * 15625 + i];
    sums[n] = static_cast<float>(s);
  }
  auto losses = trainer.Step({2, real, e100, sums}, draws);
  ASSERT_TRUE(losses.ok()) << losses.status();

  auto terms = [](const LossTerms& t) {
    return std::vector<float>{static_cast<float>(t.total), static_cast<float>(t.bce),
                              static_cast<float>(t.aux), static_cast<float>(t.ecal)};
  };
  // The two D steps start from identical weights: 1e-4. The G steps run through a D that RMSprop
  // has already moved, and RMSprop's first update is ±lr·√10 for *any* non-zero gradient — so
  // parameters whose gradient is ~0 move in float32 by a sign float64 may not share. That
  // legitimately perturbs later losses at the 1e-3 level (docs/model.md, "Parity").
  ExpectClose(terms(losses->d_real), golden_->Reference("train_step/losses/d_real"), "loss D real");
  ExpectClose(terms(losses->d_fake), golden_->Reference("train_step/losses/d_fake"), "loss D fake");
  ExpectClose(terms(losses->g[0]), golden_->Reference("train_step/losses/g1"), "loss G step 1",
              1e-3);
  ExpectClose(terms(losses->g[1]), golden_->Reference("train_step/losses/g2"), "loss G step 2",
              1e-2);

  // Updates (after − init): every update larger than lr/10 must have the reference's sign in
  // ≥ 99.5 % of the (stored) elements of every tensor (a wrong gradient anywhere gives ~50 %), and
  // BN statistics must agree.
  const double lr = 1e-3;
  for (auto [arena, init] :
       {std::pair{&trainer.g_arena(), &g_init}, std::pair{&trainer.d_arena(), &d_init}}) {
    for (const auto& e : arena->entries()) {
      if (!e.trainable) {
        ExpectClose(arena->buffers().subspan(e.offset, e.size),
                    golden_->Reference("train_step/after/buffers/" + e.name), "buffer " + e.name,
                    1e-2);
        continue;
      }
      const Expected want = golden_->Reference("train_step/after/params/" + e.name);
      ASSERT_EQ(want.elements, e.size) << e.name;
      int64_t same_sign = 0, counted = 0;
      for (size_t k = 0; k < want.index.size(); ++k) {
        const int64_t i = want.index[k];
        const double got_update = arena->params()[e.offset + i] - (*init)[e.offset + i];
        const double want_update = want.values[k] - (*init)[e.offset + i];
        if (std::abs(want_update) < 0.1 * lr) continue;
        ++counted;
        same_sign += (got_update > 0) == (want_update > 0);
      }
      EXPECT_GE(same_sign, 0.995 * counted)
          << "update signs of " << e.name << ": " << same_sign << " of " << counted;
    }
  }
  // RMSprop accumulators (0.09·g_real² + 0.1·g_fake²): a coarse check only, g_fake is taken at a D
  // already moved by the sign-amplified first update (see above); exact D gradients are checked
  // in DiscriminatorForwardAndBackward.
  for (const auto& e : trainer.d_arena().entries()) {
    if (!e.trainable) continue;
    ExpectClose(trainer.d_optimizer().accumulators().subspan(e.offset, e.size),
                golden_->Reference("train_step/after/optimizer/discriminator/" + e.name),
                "RMSprop accumulator " + e.name, 1e-1);
  }
}

INSTANTIATE_TEST_SUITE_P(BnAxes, ParityTest, ::testing::Values("last", "channel"));

}  // namespace
}  // namespace cascade::gan
