#include "common/nn/reshape.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::nn {

Reshape::Reshape(std::string name, Dims per_sample_dims)
    : name_(std::move(name)), per_sample_dims_(std::move(per_sample_dims)) {}

absl::Status Reshape::Init(const dnnl::memory::desc& src, Device& device) {
  const Dims dims = src.dims();
  if (dims.empty() || per_sample_dims_.empty() || per_sample_dims_.size() > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("Reshape '", name_, "': needs a batched input and 1..4 per-sample dims"));
  }
  Dims out{dims[0]};
  out.insert(out.end(), per_sample_dims_.begin(), per_sample_dims_.end());
  if (NumElements(out) != NumElements(dims)) {
    return absl::InvalidArgumentError(absl::StrCat("Reshape '", name_, "': cannot reshape (",
                                                   absl::StrJoin(dims, ","), ") to (",
                                                   absl::StrJoin(out, ","), ")"));
  }
  src_desc_ = PlainDesc(dims);
  dst_ = dnnl::memory(PlainDesc(out), device.engine, nullptr);
  diff_src_ = dnnl::memory(src_desc_, device.engine, nullptr);
  return absl::OkStatus();
}

void Reshape::Forward(const dnnl::memory& src, const ForwardArgs& /*args*/) {
  dst_.set_data_handle(src.get_data_handle());
}

void Reshape::Backward(const dnnl::memory& /*src*/, const dnnl::memory& diff_dst,
                       const BackwardArgs& /*args*/) {
  diff_src_.set_data_handle(diff_dst.get_data_handle());
}

}  // namespace cascade::nn
