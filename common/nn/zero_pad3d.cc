#include "common/nn/zero_pad3d.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::nn {

ZeroPad3d::ZeroPad3d(std::string name, std::array<int64_t, 3> pad_l, std::array<int64_t, 3> pad_r)
    : name_(std::move(name)), pad_l_(pad_l), pad_r_(pad_r) {}

absl::Status ZeroPad3d::Init(const dnnl::memory::desc& src, Device& device) {
  const Dims in = src.dims();
  if (in.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZeroPad3d wants (N, C, D, H, W), got (", absl::StrJoin(in, ", "), ")"));
  }
  Dims out = in, offsets{0, 0, 0, 0, 0};
  for (int a = 0; a < 3; ++a) {
    if (pad_l_[a] < 0 || pad_r_[a] < 0) {
      return absl::InvalidArgumentError("ZeroPad3d padding must be >= 0");
    }
    out[2 + a] += pad_l_[a] + pad_r_[a];
    offsets[2 + a] = pad_l_[a];
  }
  device_ = &device;
  using tag = dnnl::memory::format_tag;
  // Keep the producer's layout if it is one we can name (so no reorder before or after).
  tag layout = tag::abcde;
  for (tag t : {tag::abcde, tag::acdeb, tag::aBcde8b, tag::aBcde16b}) {
    if (src == dnnl::memory::desc(in, dnnl::memory::data_type::f32, t)) layout = t;
  }
  try {
    src_desc_ = dnnl::memory::desc(in, dnnl::memory::data_type::f32, layout);
    const dnnl::memory::desc dst_desc(out, dnnl::memory::data_type::f32, layout);
    dst_ = dnnl::memory(dst_desc, device.engine);
    std::memset(dst_.get_data_handle(), 0, dst_desc.get_size());  // the border, once
    diff_src_ = dnnl::memory(src_desc_, device.engine);
    interior_desc_ = dst_desc.submemory_desc(in, offsets);
    dst_interior_ = dnnl::memory(interior_desc_, device.engine, dst_.get_data_handle());
    diff_dst_interior_ = dnnl::memory(interior_desc_, device.engine, nullptr);
    fwd_.emplace(
        dnnl::reorder::primitive_desc(device.engine, src_desc_, device.engine, interior_desc_));
    bwd_.emplace(
        dnnl::reorder::primitive_desc(device.engine, interior_desc_, device.engine, src_desc_));
  } catch (const dnnl::error& e) {
    return absl::InvalidArgumentError(absl::StrCat("oneDNN could not plan ZeroPad3d: ", e.what()));
  }
  return absl::OkStatus();
}

void ZeroPad3d::Forward(const dnnl::memory& src, const ForwardArgs&) {
  fwd_->execute(device_->stream, const_cast<dnnl::memory&>(src), dst_interior_);
}

void ZeroPad3d::Backward(const dnnl::memory&, const dnnl::memory& diff_dst,
                         const BackwardArgs& args) {
  if (!args.need_diff_src) return;
  // Re-point the view only when the producer's buffer changes (in practice: once).
  if (diff_dst_interior_.get_data_handle() != diff_dst.get_data_handle()) {
    diff_dst_interior_.set_data_handle(diff_dst.get_data_handle());
  }
  bwd_->execute(device_->stream, diff_dst_interior_, diff_src_);
}

}  // namespace cascade::nn
