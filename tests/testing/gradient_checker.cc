#include "tests/testing/gradient_checker.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_format.h"
#include "common/nn/param_arena.h"
#include "common/nn/sequential.h"

namespace cascade::testing {
namespace {

std::vector<int64_t> SampleIndices(int64_t n, int max_checks, std::mt19937_64& rng) {
  std::vector<int64_t> idx;
  if (n <= max_checks) {
    for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  std::uniform_int_distribution<int64_t> u(0, n - 1);
  for (int i = 0; i < max_checks; ++i) idx.push_back(u(rng));
  return idx;
}

}  // namespace

GradientCheckResult CheckGradients(std::vector<std::unique_ptr<nn::Layer>> layers,
                                   const nn::Dims& input_dims, const GradientCheckOptions& opts) {
  GradientCheckResult result;
  nn::Device device;
  nn::Sequential net;
  for (auto& l : layers) net.Add(std::move(l));
  nn::ParamArena arena;
  net.RegisterParams(arena, "");
  arena.Allocate();
  arena.Initialize(opts.param_seed);
  std::mt19937_64 rng(opts.seed);
  if (opts.param_scale > 0) {
    std::uniform_real_distribution<float> u(-opts.param_scale, opts.param_scale);
    for (float& p : arena.params()) p = u(rng);
  }
  auto status = net.Init(nn::PlainDesc(input_dims), device);
  if (!status.ok()) {
    result.failed = 1;
    result.first_failure = std::string(status.message());
    return result;
  }

  std::vector<float> x(nn::NumElements(input_dims));
  std::uniform_real_distribution<float> ux(opts.input_min, opts.input_max);
  for (float& v : x) v = ux(rng);
  dnnl::memory x_mem(nn::PlainDesc(input_dims), device.engine, x.data());

  const auto out_dims = net.dst_desc().dims();
  std::vector<float> w(nn::NumElements(out_dims));
  std::uniform_real_distribution<float> uw(-1.f, 1.f);
  for (float& v : w) v = uw(rng);
  dnnl::memory w_mem(net.dst_desc(), device.engine);
  nn::WriteFromPlain(w, w_mem, device.stream);

  nn::ForwardArgs fargs{opts.training, /*dropout_seed=*/opts.seed};
  auto objective = [&]() {
    const auto& y = net.Forward(x_mem, fargs);
    device.stream.wait();
    const auto yp = nn::ReadToPlain(y, device.stream);
    double l = 0;
    for (size_t i = 0; i < yp.size(); ++i) l += static_cast<double>(w[i]) * yp[i];
    return l;
  };

  objective();
  const auto& dx_mem = net.Backward(w_mem, {opts.check_input, true});
  device.stream.wait();
  std::vector<float> dx =
      opts.check_input ? nn::ReadToPlain(dx_mem, device.stream) : std::vector<float>{};
  const std::vector<float> grads(arena.grads().begin(), arena.grads().end());

  auto compare = [&](const char* what, int64_t i, double analytic, double numeric) {
    if (std::isnan(numeric)) {
      ++result.skipped;
      return;
    }
    const double scale = std::max({std::abs(analytic), std::abs(numeric), 1.0});
    const double err = std::abs(analytic - numeric) / scale;
    ++result.checked;
    result.max_error = std::max(result.max_error, err);
    if (err > opts.tolerance) {
      if (result.failed++ == 0) {
        result.first_failure =
            absl::StrFormat("%s[%d]: analytic %.6g numeric %.6g", what, i, analytic, numeric);
      }
    }
  };
  // Central difference; NaN when skip_kinks finds the one-sided differences disagreeing.
  auto numeric_at = [&](float& v) {
    const float saved = v;
    v = saved + opts.step;
    const double lp = objective();
    v = saved - opts.step;
    const double lm = objective();
    v = saved;
    if (opts.skip_kinks) {
      const double l0 = objective();
      const double right = (lp - l0) / opts.step, left = (l0 - lm) / opts.step;
      const double scale = std::max({std::abs(right), std::abs(left), 1.0});
      if (std::abs(right - left) > opts.tolerance * scale) return std::nan("");
    }
    return (lp - lm) / (2.0 * opts.step);
  };

  if (opts.check_input) {
    for (int64_t i : SampleIndices(x.size(), opts.max_checks_per_tensor, rng)) {
      if (opts.kink > 0 && std::abs(x[i]) < opts.kink) continue;
      compare("input", i, dx[i], numeric_at(x[i]));
    }
  }
  if (opts.check_params) {
    for (const auto& e : arena.entries()) {
      if (!e.trainable) continue;
      auto p = arena.params().subspan(e.offset, e.size);
      for (int64_t i : SampleIndices(e.size, opts.max_checks_per_tensor, rng)) {
        compare(e.name.c_str(), i, grads[e.offset + i], numeric_at(p[i]));
      }
    }
  }
  return result;
}

}  // namespace cascade::testing
