#include "common/gan/shower_sampler.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {
constexpr int64_t kCells = 25 * 25 * 25;
}  // namespace

ShowerSampler::ShowerSampler(const ModelConfig& config, int64_t batch)
    : config_(config), batch_(batch), generator_(config) {
  generator_.RegisterParams(arena_);
  arena_.Allocate();
}

absl::Status ShowerSampler::Init(nn::Device& device) {
  device_ = &device;
  CASCADE_RETURN_IF_ERROR(generator_.Init(batch_, device));
  latent_ = dnnl::memory(nn::PlainDesc({batch_, config_.latent_size}), device.engine);
  return absl::OkStatus();
}

absl::Status ShowerSampler::CopyWeightsFrom(const nn::ParamArena& trained) {
  if (trained.params().size() != arena_.params().size() ||
      trained.buffers().size() != arena_.buffers().size()) {
    return absl::FailedPreconditionError("sampler: generator weights of another variant");
  }
  std::copy(trained.params().begin(), trained.params().end(), arena_.params().begin());
  std::copy(trained.buffers().begin(), trained.buffers().end(), arena_.buffers().begin());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> ShowerSampler::Generate(std::span<const float> z,
                                                           std::span<const float> energy_gev) {
  const int64_t n = static_cast<int64_t>(energy_gev.size());
  const int64_t l = config_.latent_size;
  if (static_cast<int64_t>(z.size()) != n * l) {
    return absl::InvalidArgumentError(
        absl::StrFormat("latent has %d values, expected %d x %d", z.size(), n, l));
  }
  std::vector<float> out(n * kCells);
  auto* x = static_cast<float*>(latent_.get_data_handle());
  const float inv_xscale = 1.f / config_.xscale;
  for (int64_t start = 0; start < n; start += batch_) {
    const int64_t m = std::min(batch_, n - start);
    std::fill(x, x + batch_ * l, 0.f);
    for (int64_t i = 0; i < m; ++i) {
      const float e = energy_gev[start + i] / 100.f;  // the condition scales the latent vector
      for (int64_t k = 0; k < l; ++k) x[i * l + k] = z[(start + i) * l + k] * e;
    }
    const dnnl::memory& y = generator_.Forward(latent_, {.training = false});
    device_->stream.wait();
    const auto* cells = static_cast<const float*>(y.get_data_handle());
    for (int64_t i = 0; i < m * kCells; ++i) out[start * kCells + i] = cells[i] * inv_xscale;
  }
  return out;
}

absl::StatusOr<std::vector<float>> ShowerSampler::Sample(std::span<const float> energy_gev,
                                                         std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> z(energy_gev.size() * config_.latent_size);
  for (float& v : z) v = normal(rng);
  return Generate(z, energy_gev);
}

}  // namespace cascade::gan
