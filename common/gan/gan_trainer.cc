#include "common/gan/gan_trainer.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_format.h"
#include "common/gan/ecal_fit.h"
#include "common/nn/losses.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {
constexpr int64_t kCells = 25 * 25 * 25;
}  // namespace

GanTrainer::GanTrainer(const ModelConfig& config, const TrainerOptions& options)
    : config_(config), options_(options), rng_(options.seed) {}

absl::Status GanTrainer::Init(nn::Device& device) {
  device_ = &device;
  g_ = std::make_unique<Generator>(config_);
  d_ = std::make_unique<Discriminator>(config_);
  g_->RegisterParams(g_arena_);
  d_->RegisterParams(d_arena_);
  g_arena_.Allocate();
  d_arena_.Allocate();
  // Distinct, reproducible streams for the two models' initial weights.
  g_arena_.Initialize(options_.seed * 2 + 0x6a09e667ULL);
  d_arena_.Initialize(options_.seed * 2 + 0xbb67ae85ULL);
  CASCADE_RETURN_IF_ERROR(g_->Init(options_.batch, device));
  CASCADE_RETURN_IF_ERROR(d_->Init(options_.batch, device));
  nn::RmsPropOptions opt;
  opt.lr = options_.lr;
  g_opt_ = std::make_unique<nn::RmsProp>(g_arena_.num_trainable(), opt);
  d_opt_ = std::make_unique<nn::RmsProp>(d_arena_.num_trainable(), opt);
  const int64_t b = options_.batch;
  latent_ = dnnl::memory(nn::PlainDesc({b, config_.latent_size}), device.engine);
  real_images_ = dnnl::memory(nn::PlainDesc({b, 1, 25, 25, 25}), device.engine);
  d_p_.assign(b, 0.f);
  d_aux_.assign(b, 0.f);
  d_ecal_.assign(b, 0.f);
  ecal_target_.assign(b, 0.f);
  fake_ecal_target_.assign(b, 0.f);
  ones_.assign(b, 1.f);
  return absl::OkStatus();
}

StepDraws GanTrainer::Draw() {
  const int64_t b = options_.batch;
  const int64_t global = b * options_.world;
  const int64_t first = b * options_.rank;  // this rank's rows of the global batch
  const int64_t l = config_.latent_size;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> energy(0.1f, 5.f);
  std::bernoulli_distribution flip(options_.label_flip);
  auto latent = [&](std::vector<float>& z, std::vector<float>& e) {
    z.resize(b * l);
    e.resize(b);
    for (int64_t n = 0; n < global; ++n) {
      const bool mine = n >= first && n < first + b;
      for (int64_t i = 0; i < l; ++i) {
        const float v = normal(rng_);
        if (mine) z[(n - first) * l + i] = v;
      }
    }
    for (int64_t n = 0; n < global; ++n) {
      const float v = energy(rng_);
      if (n >= first && n < first + b) e[n - first] = v;
    }
  };
  auto labels = [&](std::vector<float>& y, float keep, float flipped) {
    y.resize(b);
    for (int64_t n = 0; n < global; ++n) {
      const float v = flip(rng_) ? flipped : keep;
      if (n >= first && n < first + b) y[n - first] = v;
    }
  };
  // Dropout masks index elements within a rank's batch: mix the rank in so ranks differ.
  auto seed = [&]() {
    return rng_() ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(options_.rank));
  };
  StepDraws d;
  latent(d.z0, d.e0);
  labels(d.real_labels, 1.f, 0.f);
  labels(d.fake_labels, 0.f, 1.f);
  d.seed_real = seed();
  d.seed_fake = seed();
  for (int k = 0; k < 2; ++k) {
    latent(d.z[k], d.e[k]);
    d.seed_g[k] = seed();
  }
  return d;
}

void GanTrainer::FillLatent(std::span<const float> z, std::span<const float> e) {
  const int64_t l = config_.latent_size;
  auto* x = static_cast<float*>(latent_.get_data_handle());
  for (int64_t n = 0; n < options_.batch; ++n) {
    for (int64_t i = 0; i < l; ++i) x[n * l + i] = z[n * l + i] * e[n];
  }
}

LossTerms GanTrainer::Loss(const DiscriminatorOutputs& out, std::span<const float> labels,
                           std::span<const float> energy, std::span<const float> ecal_target,
                           bool want_ecal_grad) {
  const auto& w = config_.loss_weights;
  LossTerms t;
  t.bce = nn::BinaryCrossEntropy(out.p, labels, d_p_);
  t.aux = nn::MeanAbsolutePercentageError(out.aux, energy, d_aux_);
  t.ecal = nn::MeanAbsolutePercentageError(out.ecal, ecal_target, d_ecal_);
  t.total = w[0] * t.bce + w[1] * t.aux + w[2] * t.ecal;
  for (int64_t n = 0; n < options_.batch; ++n) {
    d_p_[n] *= w[0];
    d_aux_[n] *= w[1];
    d_ecal_[n] = want_ecal_grad ? d_ecal_[n] * w[2] : 0.f;
  }
  return t;
}

absl::Status GanTrainer::DStep(const dnnl::memory& images, std::span<const float> labels,
                               std::span<const float> energy, std::span<const float> ecal_target,
                               uint64_t dropout_seed, const GradientSync& sync, LossTerms& out) {
  const auto& outputs = d_->Forward(images, {.training = true, .dropout_seed = dropout_seed});
  out = Loss(outputs, labels, energy, ecal_target, /*want_ecal_grad=*/false);
  d_->Backward(d_p_, d_aux_, {}, {.need_diff_src = false, .need_param_grads = true});
  device_->stream.wait();
  if (sync) CASCADE_RETURN_IF_ERROR(sync(d_arena_.grads()));
  d_opt_->Step(d_arena_.params(), d_arena_.grads());
  return absl::OkStatus();
}

absl::Status GanTrainer::GStep(std::span<const float> z, std::span<const float> e,
                               uint64_t dropout_seed, const GradientSync& sync, LossTerms& out) {
  FillLatent(z, e);
  for (int64_t n = 0; n < options_.batch; ++n) {
    ecal_target_[n] = EcalFit(e[n], config_.xscale, config_.ecal_fit_polynomial);
  }
  const dnnl::memory& fake = g_->Forward(latent_, {.training = true});
  const auto& outputs = d_->Forward(fake, {.training = true, .dropout_seed = dropout_seed});
  out = Loss(outputs, ones_, e, ecal_target_, /*want_ecal_grad=*/true);
  // D is frozen: gradients flow through it to the showers, its weights do not move.
  const dnnl::memory& d_showers =
      d_->Backward(d_p_, d_aux_, d_ecal_, {.need_diff_src = true, .need_param_grads = false});
  g_->Backward(d_showers, {.need_diff_src = false, .need_param_grads = true});
  device_->stream.wait();
  if (sync) CASCADE_RETURN_IF_ERROR(sync(g_arena_.grads()));
  g_opt_->Step(g_arena_.params(), g_arena_.grads());
  return absl::OkStatus();
}

absl::StatusOr<StepLosses> GanTrainer::Step(const RealBatch& real, const StepDraws& draws,
                                            const GradientSync& sync) {
  const int64_t b = options_.batch;
  if (real.n != b || static_cast<int64_t>(real.images.size()) != b * kCells) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training step: batch of %d showers, model planned for %d", real.n, b));
  }
  StepLosses losses;
  std::memcpy(real_images_.get_data_handle(), real.images.data(), real.images.size_bytes());

  // 1. Fakes from G in inference mode (moving BN statistics, nothing updated).
  FillLatent(draws.z0, draws.e0);
  const dnnl::memory& fake = g_->Forward(latent_, {.training = false});
  for (int64_t n = 0; n < b; ++n) {
    ecal_target_[n] = EcalFit(draws.e0[n], config_.xscale, config_.ecal_fit_polynomial);
  }
  // 2-3. D on real, then on fake: two updates, each with its own batch statistics.
  CASCADE_RETURN_IF_ERROR(DStep(real_images_, draws.real_labels, real.energy_over_100,
                                real.ecal_sum, draws.seed_real, sync, losses.d_real));
  // `fake` is G's output buffer; the D steps do not touch G, so it is still intact here.
  fake_ecal_target_ = ecal_target_;
  CASCADE_RETURN_IF_ERROR(DStep(fake, draws.fake_labels, draws.e0, fake_ecal_target_,
                                draws.seed_fake, sync, losses.d_fake));
  // 4. Two G updates through the frozen D.
  for (int k = 0; k < 2; ++k) {
    CASCADE_RETURN_IF_ERROR(GStep(draws.z[k], draws.e[k], draws.seed_g[k], sync, losses.g[k]));
  }
  ++step_;
  for (const LossTerms* t : {&losses.d_real, &losses.d_fake, &losses.g[0], &losses.g[1]}) {
    if (!std::isfinite(t->total)) {
      return absl::DataLossError(
          absl::StrFormat("training step %d: non-finite loss (bce %g, aux %g, ecal %g)", step_,
                          t->bce, t->aux, t->ecal));
    }
  }
  return losses;
}

}  // namespace cascade::gan
