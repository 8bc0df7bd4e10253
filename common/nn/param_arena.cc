#include "common/nn/param_arena.h"

#include <cmath>
#include <random>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace cascade::nn {

void ParamArena::Add(Layer& layer, const std::string& prefix) {
  if (allocated_) throw std::logic_error("ParamArena::Add after Allocate");
  Registration reg{&layer, entries_.size(), 0, 0};
  for (const auto& spec : layer.Params()) {
    entries_.push_back({absl::StrCat(prefix, layer.name(), "/", spec.name), spec, 0,
                        NumElements(spec.shape), true});
    ++reg.num_params;
  }
  for (const auto& spec : layer.Buffers()) {
    entries_.push_back({absl::StrCat(prefix, layer.name(), "/", spec.name), spec, 0,
                        NumElements(spec.shape), false});
    ++reg.num_buffers;
  }
  layers_.push_back(reg);
}

void ParamArena::Allocate() {
  if (allocated_) throw std::logic_error("ParamArena::Allocate called twice");
  int64_t n_params = 0, n_buffers = 0;
  for (auto& e : entries_) {
    e.offset = e.trainable ? n_params : n_buffers;
    (e.trainable ? n_params : n_buffers) += e.size;
  }
  params_.assign(n_params, 0.f);
  grads_.assign(n_params, 0.f);
  buffers_.assign(n_buffers, 0.f);
  for (const auto& reg : layers_) {
    std::vector<std::span<float>> p, g, b;
    for (size_t i = reg.first_entry; i < reg.first_entry + reg.num_params + reg.num_buffers; ++i) {
      const auto& e = entries_[i];
      if (e.trainable) {
        p.emplace_back(params_.data() + e.offset, e.size);
        g.emplace_back(grads_.data() + e.offset, e.size);
      } else {
        b.emplace_back(buffers_.data() + e.offset, e.size);
      }
    }
    reg.layer->Bind(std::move(p), std::move(g), std::move(b));
  }
  allocated_ = true;
}

void ParamArena::Initialize(uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const auto& e : entries_) {
    float* data = (e.trainable ? params_.data() : buffers_.data()) + e.offset;
    const double fan_in = static_cast<double>(e.spec.fan_in);
    const double fan_out = static_cast<double>(e.spec.fan_out);
    switch (e.spec.init) {
      case Initializer::kZeros:
        std::fill(data, data + e.size, 0.f);
        break;
      case Initializer::kOnes:
        std::fill(data, data + e.size, 1.f);
        break;
      case Initializer::kGlorotUniform:
      case Initializer::kHeUniform: {
        const double limit = e.spec.init == Initializer::kHeUniform
                                 ? std::sqrt(6.0 / fan_in)
                                 : std::sqrt(6.0 / (fan_in + fan_out));
        std::uniform_real_distribution<double> u(-limit, limit);
        for (int64_t i = 0; i < e.size; ++i) data[i] = static_cast<float>(u(rng));
        break;
      }
      case Initializer::kGlorotNormal: {
        // Keras 2.0 VarianceScaling(normal): truncated normal, redraw beyond 2σ.
        const double stddev = std::sqrt(2.0 / (fan_in + fan_out));
        std::normal_distribution<double> n(0.0, 1.0);
        for (int64_t i = 0; i < e.size; ++i) {
          double v;
          do v = n(rng);
          while (std::abs(v) > 2.0);
          data[i] = static_cast<float>(v * stddev);
        }
        break;
      }
    }
  }
}

absl::StatusOr<std::span<float>> ParamArena::Find(const std::string& name) {
  for (const auto& e : entries_) {
    if (e.name != name) continue;
    float* base = e.trainable ? params_.data() : buffers_.data();
    return std::span<float>(base + e.offset, e.size);
  }
  return absl::NotFoundError(absl::StrCat("no tensor named '", name, "' in the model"));
}

absl::StatusOr<std::span<float>> ParamArena::FindGrad(const std::string& name) {
  for (const auto& e : entries_) {
    if (e.name != name || !e.trainable) continue;
    return std::span<float>(grads_.data() + e.offset, e.size);
  }
  return absl::NotFoundError(absl::StrCat("no trainable tensor named '", name, "'"));
}

}  // namespace cascade::nn
