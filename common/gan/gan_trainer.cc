#include "common/gan/gan_trainer.h"

#include <algorithm>
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

const char* SyncPointName(SyncPoint point) {
  switch (point) {
    case SyncPoint::kDRealGrads:
      return "d_real";
    case SyncPoint::kDFakeGrads:
      return "d_fake";
    case SyncPoint::kGGrads1:
      return "g_1";
    case SyncPoint::kGGrads2:
      return "g_2";
    case SyncPoint::kBnStats:
      return "bn_stats";
  }
  return "?";
}

GanTrainer::GanTrainer(const ModelConfig& config, const TrainerOptions& options)
    : config_(config), options_(options), rng_(options.seed) {}

absl::Status GanTrainer::Init(nn::Device& device) {
  if (options_.ghost_batches < 1 || options_.world < 1 || options_.rank < 0 ||
      options_.rank >= options_.world) {
    return absl::InvalidArgumentError(
        absl::StrFormat("trainer: rank %d of world %d with %d ghost batches", options_.rank,
                        options_.world, options_.ghost_batches));
  }
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
  ones_.assign(b, 1.f);
  const size_t g_buffers = g_arena_.buffers().size(), d_buffers = d_arena_.buffers().size();
  bn_stage_.assign(g_buffers + d_buffers, 0.f);
  if (options_.ghost_batches > 1) {
    ghost_buffers_.assign(options_.ghost_batches, std::vector<float>(g_buffers + d_buffers));
    ghost_grads_.assign(std::max(g_arena_.params().size(), d_arena_.params().size()), 0.f);
  }
  return absl::OkStatus();
}

StepDraws GanTrainer::Draw() {
  const int64_t rows = options_.batch * options_.ghost_batches;  // this process's rows
  const int64_t global = rows * options_.world;
  const int64_t first = rows * options_.rank;
  const int64_t l = config_.latent_size;
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> energy(0.1f, 5.f);
  std::bernoulli_distribution flip(options_.label_flip);
  auto latent = [&](std::vector<float>& z, std::vector<float>& e) {
    z.resize(rows * l);
    e.resize(rows);
    for (int64_t n = 0; n < global; ++n) {
      const bool mine = n >= first && n < first + rows;
      for (int64_t i = 0; i < l; ++i) {
        const float v = normal(rng_);
        if (mine) z[(n - first) * l + i] = v;
      }
    }
    for (int64_t n = 0; n < global; ++n) {
      const float v = energy(rng_);
      if (n >= first && n < first + rows) e[n - first] = v;
    }
  };
  auto labels = [&](std::vector<float>& y, float keep, float flipped) {
    y.resize(rows);
    for (int64_t n = 0; n < global; ++n) {
      const float v = flip(rng_) ? flipped : keep;
      if (n >= first && n < first + rows) y[n - first] = v;
    }
  };
  StepDraws d;
  latent(d.z0, d.e0);
  labels(d.real_labels, 1.f, 0.f);
  labels(d.fake_labels, 0.f, 1.f);
  d.seed_real = rng_();
  d.seed_fake = rng_();
  for (int k = 0; k < 2; ++k) {
    latent(d.z[k], d.e[k]);
    d.seed_g[k] = rng_();
  }
  return d;
}

uint64_t GanTrainer::DropoutSeed(uint64_t drawn, int64_t micro) const {
  const auto virtual_rank = static_cast<uint64_t>(options_.rank) * options_.ghost_batches + micro;
  return drawn ^ (0x9E3779B97F4A7C15ULL * virtual_rank);
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

LossTerms GanTrainer::DForwardBackward(const dnnl::memory& images, std::span<const float> labels,
                                       std::span<const float> energy,
                                       std::span<const float> ecal_target, uint64_t dropout_seed) {
  const auto& outputs = d_->Forward(images, {.training = true, .dropout_seed = dropout_seed});
  LossTerms t = Loss(outputs, labels, energy, ecal_target, /*want_ecal_grad=*/false);
  d_->Backward(d_p_, d_aux_, {}, {.need_diff_src = false, .need_param_grads = true});
  return t;
}

LossTerms GanTrainer::GForwardBackward(std::span<const float> z, std::span<const float> e,
                                       uint64_t dropout_seed) {
  FillLatent(z, e);
  for (int64_t n = 0; n < options_.batch; ++n) {
    ecal_target_[n] = EcalFit(e[n], config_.xscale, config_.ecal_fit_polynomial);
  }
  const dnnl::memory& fake = g_->Forward(latent_, {.training = true});
  const auto& outputs = d_->Forward(fake, {.training = true, .dropout_seed = dropout_seed});
  LossTerms t = Loss(outputs, ones_, e, ecal_target_, /*want_ecal_grad=*/true);
  // D is frozen: gradients flow through it to the showers, its weights do not move.
  const dnnl::memory& d_showers =
      d_->Backward(d_p_, d_aux_, d_ecal_, {.need_diff_src = true, .need_param_grads = false});
  g_->Backward(d_showers, {.need_diff_src = false, .need_param_grads = true});
  return t;
}

absl::Status GanTrainer::Update(nn::ParamArena& arena, nn::RmsProp& optimizer, SyncPoint point,
                                absl::FunctionRef<LossTerms(int64_t)> micro,
                                const GradientSync& sync, LossTerms& out) {
  const int64_t k = options_.ghost_batches;
  auto g_buf = g_arena_.buffers(), d_buf = d_arena_.buffers();
  auto grads = arena.grads();
  out = {};
  for (int64_t i = 0; i < k; ++i) {
    if (k > 1) {  // micro-batch i runs with "rank i's" moving statistics
      std::copy_n(ghost_buffers_[i].begin(), g_buf.size(), g_buf.begin());
      std::copy_n(ghost_buffers_[i].begin() + g_buf.size(), d_buf.size(), d_buf.begin());
    }
    const LossTerms t = micro(i);
    device_->stream.wait();
    if (k == 1) {
      out = t;
      break;
    }
    std::copy(g_buf.begin(), g_buf.end(), ghost_buffers_[i].begin());
    std::copy(d_buf.begin(), d_buf.end(), ghost_buffers_[i].begin() + g_buf.size());
    for (size_t j = 0; j < grads.size(); ++j)
      ghost_grads_[j] = i == 0 ? grads[j] : ghost_grads_[j] + grads[j];
    out.total += t.total / k;
    out.bce += t.bce / k;
    out.aux += t.aux / k;
    out.ecal += t.ecal / k;
  }
  if (k > 1) {  // the group's AllreduceAverage: sum, then × 1/world
    const float scale = 1.f / static_cast<float>(k);
    for (size_t j = 0; j < grads.size(); ++j) grads[j] = ghost_grads_[j] * scale;
  }
  if (sync) CASCADE_RETURN_IF_ERROR(sync(point, grads));
  optimizer.Step(arena.params(), grads);
  return absl::OkStatus();
}

absl::Status GanTrainer::SyncBuffers(const GradientSync& sync) {
  auto g_buf = g_arena_.buffers(), d_buf = d_arena_.buffers();
  const int64_t k = options_.ghost_batches;
  if (k > 1) {  // average the micro-batches' copies, as the group's allreduce does across ranks
    const float scale = 1.f / static_cast<float>(k);
    for (size_t j = 0; j < bn_stage_.size(); ++j) {
      float sum = ghost_buffers_[0][j];
      for (int64_t i = 1; i < k; ++i) sum += ghost_buffers_[i][j];
      bn_stage_[j] = sum * scale;
    }
  } else {
    std::copy(g_buf.begin(), g_buf.end(), bn_stage_.begin());
    std::copy(d_buf.begin(), d_buf.end(), bn_stage_.begin() + g_buf.size());
  }
  if (sync) CASCADE_RETURN_IF_ERROR(sync(SyncPoint::kBnStats, bn_stage_));
  std::copy_n(bn_stage_.begin(), g_buf.size(), g_buf.begin());
  std::copy_n(bn_stage_.begin() + g_buf.size(), d_buf.size(), d_buf.begin());
  return absl::OkStatus();
}

absl::StatusOr<StepLosses> GanTrainer::Step(const RealBatch& real, const StepDraws& draws,
                                            const GradientSync& sync) {
  const int64_t b = options_.batch, k = options_.ghost_batches, l = config_.latent_size;
  if (real.n != b * k || static_cast<int64_t>(real.images.size()) != b * k * kCells) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "training step: batch of %d showers, model planned for %d x %d", real.n, k, b));
  }
  if (k > 1) {  // every micro-batch starts from the step's (group-averaged) moving statistics
    auto g_buf = g_arena_.buffers(), d_buf = d_arena_.buffers();
    for (auto& copy : ghost_buffers_) {
      std::copy(g_buf.begin(), g_buf.end(), copy.begin());
      std::copy(d_buf.begin(), d_buf.end(), copy.begin() + g_buf.size());
    }
  }
  auto rows = [b](auto span, int64_t i, int64_t width = 1) {
    return span.subspan(i * b * width, b * width);
  };
  auto draw = [](const std::vector<float>& v) { return std::span<const float>(v); };
  StepLosses losses;

  // 1. D on the real batch.
  CASCADE_RETURN_IF_ERROR(Update(
      d_arena_, *d_opt_, SyncPoint::kDRealGrads,
      [&](int64_t i) {
        auto images = rows(real.images, i, kCells);
        std::memcpy(real_images_.get_data_handle(), images.data(), images.size_bytes());
        return DForwardBackward(real_images_, rows(draw(draws.real_labels), i),
                                rows(real.energy_over_100, i), rows(real.ecal_sum, i),
                                DropoutSeed(draws.seed_real, i));
      },
      sync, losses.d_real));
  // 2. D on fakes from G in inference mode (moving statistics; G is untouched by the D steps,
  // so computing the fakes here equals computing them before step 1).
  CASCADE_RETURN_IF_ERROR(Update(
      d_arena_, *d_opt_, SyncPoint::kDFakeGrads,
      [&](int64_t i) {
        auto e0 = rows(draw(draws.e0), i);
        FillLatent(rows(draw(draws.z0), i, l), e0);
        const dnnl::memory& fake = g_->Forward(latent_, {.training = false});
        for (int64_t n = 0; n < b; ++n) {
          ecal_target_[n] = EcalFit(e0[n], config_.xscale, config_.ecal_fit_polynomial);
        }
        return DForwardBackward(fake, rows(draw(draws.fake_labels), i), e0, ecal_target_,
                                DropoutSeed(draws.seed_fake, i));
      },
      sync, losses.d_fake));
  // 3. Two G updates through the frozen D, fresh z and e each time.
  for (int u = 0; u < 2; ++u) {
    CASCADE_RETURN_IF_ERROR(Update(
        g_arena_, *g_opt_, u == 0 ? SyncPoint::kGGrads1 : SyncPoint::kGGrads2,
        [&](int64_t i) {
          return GForwardBackward(rows(draw(draws.z[u]), i, l), rows(draw(draws.e[u]), i),
                                  DropoutSeed(draws.seed_g[u], i));
        },
        sync, losses.g[u]));
  }
  // 4. BN moving statistics: identical on every rank (what rank 0 checkpoints is the group's).
  CASCADE_RETURN_IF_ERROR(SyncBuffers(sync));
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
