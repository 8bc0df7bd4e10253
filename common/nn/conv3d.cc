#include "common/nn/conv3d.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::nn {
namespace {

WeightedLayer::WeightSpec ConvWeights(const Conv3dOptions& o) {
  const int64_t taps = o.kernel[0] * o.kernel[1] * o.kernel[2];
  // Keras conv fans: receptive field times input / output channels.
  return {{o.out_channels, o.in_channels, o.kernel[0], o.kernel[1], o.kernel[2]},
          o.in_channels * taps,
          o.out_channels * taps,
          o.kernel_init,
          o.bias};
}

}  // namespace

Conv3d::Conv3d(std::string name, Conv3dOptions options)
    : WeightedLayer(std::move(name), ConvWeights(options), options.activation, options.alpha),
      options_(options) {}

Dims Conv3d::padding_l() const {
  Dims pad(3);
  for (int a = 0; a < 3; ++a) {
    const int64_t same =
        options_.padding == Conv3dOptions::Padding::kSame ? (options_.kernel[a] - 1) / 2 : 0;
    pad[a] = same + options_.extra_pad_l[a];
  }
  return pad;
}

Dims Conv3d::padding_r() const {
  Dims pad(3);
  for (int a = 0; a < 3; ++a) {
    const int64_t k = options_.kernel[a];
    const int64_t same =
        options_.padding == Conv3dOptions::Padding::kSame ? k - 1 - (k - 1) / 2 : 0;
    pad[a] = same + options_.extra_pad_r[a];
  }
  return pad;
}

absl::StatusOr<WeightedLayer::Plans> Conv3d::PlanPrimitives(const dnnl::memory::desc& src,
                                                            const dnnl::primitive_attr& fwd_attr,
                                                            const dnnl::primitive_attr& bwd_attr,
                                                            const dnnl::engine& engine) const {
  const Dims in = src.dims();
  if (in.size() != 5 || in[1] != options_.in_channels) {
    return absl::InvalidArgumentError(absl::StrCat("Conv3d wants (N, ", options_.in_channels,
                                                   ", D, H, W), got (", absl::StrJoin(in, ", "),
                                                   ")"));
  }
  const Dims pad_l = padding_l(), pad_r = padding_r();
  Dims out{in[0], options_.out_channels, 0, 0, 0};
  for (int a = 0; a < 3; ++a) {
    if (options_.kernel[a] < 1 || pad_l[a] < 0 || pad_r[a] < 0) {
      return absl::InvalidArgumentError("Conv3d kernel must be >= 1 and padding >= 0");
    }
    out[2 + a] = in[2 + a] + pad_l[a] + pad_r[a] - options_.kernel[a] + 1;
    if (out[2 + a] < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("Conv3d kernel ", options_.kernel[a], " larger than padded input axis ", a));
    }
  }
  const Dims strides{1, 1, 1};
  // Channels-last (ndhwc) activations: the 3DGAN's convolutions have 1-64 channels, mostly 6-8,
  // where oneDNN 2.6's blocked (16c) kernels fall back to gemm or reference code for backward
  // weights (8->8, 25³, batch 8: 1000 ms blocked vs 64 ms ndhwc) — docs/performance.md has the
  // per-layer table. ndhwc is as fast or faster for every layer of the model in every direction.
  const auto src_any = NspcDesc(in), dst_any = NspcDesc(out);
  const auto weights_any = AnyDesc(weight_spec().shape);
  const auto bias = bias_desc();
  const auto alg = dnnl::algorithm::convolution_direct;

  using Fwd = dnnl::convolution_forward;
  using BwdData = dnnl::convolution_backward_data;
  using BwdWeights = dnnl::convolution_backward_weights;
  const Fwd::primitive_desc fwd(Fwd::desc(dnnl::prop_kind::forward_training, alg, src_any,
                                          weights_any, bias, dst_any, strides, pad_l, pad_r),
                                fwd_attr, engine);
  const auto diff_src = src_any;
  const BwdData::primitive_desc bwd_data(
      BwdData::desc(alg, diff_src, weights_any, dst_any, strides, pad_l, pad_r), bwd_attr, engine,
      fwd);
  const BwdWeights::primitive_desc bwd_weights(
      BwdWeights::desc(alg, src_any, weights_any, bias, dst_any, strides, pad_l, pad_r), bwd_attr,
      engine, fwd);
  return Plans{fwd, bwd_data, bwd_weights};
}

}  // namespace cascade::nn
