#include "common/nn/dense.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::nn {

Dense::Dense(std::string name, DenseOptions options)
    : WeightedLayer(std::move(name),
                    {{options.out_features, options.in_features},
                     options.in_features,
                     options.out_features,
                     options.init,
                     options.bias},
                    options.activation, options.alpha),
      options_(options) {}

absl::StatusOr<WeightedLayer::Plans> Dense::PlanPrimitives(const dnnl::memory::desc& src,
                                                           const dnnl::primitive_attr& fwd_attr,
                                                           const dnnl::primitive_attr& bwd_attr,
                                                           const dnnl::engine& engine) const {
  const Dims in = src.dims();
  if (in.size() != 2 || in[1] != options_.in_features) {
    return absl::InvalidArgumentError(absl::StrCat("Dense wants (N, ", options_.in_features,
                                                   "), got (", absl::StrJoin(in, ", "), ")"));
  }
  const auto src_any = AnyDesc(in);
  const auto dst_any = AnyDesc({in[0], options_.out_features});
  const auto weights_any = AnyDesc(weight_spec().shape);
  const auto bias = bias_desc();

  using Fwd = dnnl::inner_product_forward;
  using BwdData = dnnl::inner_product_backward_data;
  using BwdWeights = dnnl::inner_product_backward_weights;
  const Fwd::primitive_desc fwd(
      Fwd::desc(dnnl::prop_kind::forward_training, src_any, weights_any, bias, dst_any), fwd_attr,
      engine);
  const BwdData::primitive_desc bwd_data(BwdData::desc(src_any, weights_any, dst_any), bwd_attr,
                                         engine, fwd);
  const BwdWeights::primitive_desc bwd_weights(
      BwdWeights::desc(src_any, weights_any, bias, dst_any), bwd_attr, engine, fwd);
  return Plans{fwd, bwd_data, bwd_weights};
}

}  // namespace cascade::nn
