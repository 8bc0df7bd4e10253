#include "common/nn/sequential.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::nn {

void Sequential::RegisterParams(ParamArena& arena, const std::string& prefix) {
  for (auto& layer : layers_) arena.Add(*layer, prefix);
}

Sequential::Hop Sequential::Plan(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
                                 Device& device) {
  Hop hop;
  if (from != to) {
    hop.buffer = dnnl::memory(to, device.engine);
    hop.reorder =
        dnnl::reorder(dnnl::reorder::primitive_desc(device.engine, from, device.engine, to));
  }
  return hop;
}

const dnnl::memory& Sequential::Run(Hop& hop, const dnnl::memory& from) {
  if (!hop.reorder) return from;
  hop.reorder->execute(device_->stream, const_cast<dnnl::memory&>(from), hop.buffer);
  return hop.buffer;
}

absl::Status Sequential::Init(const dnnl::memory::desc& src, Device& device) {
  if (layers_.empty()) return absl::FailedPreconditionError("Sequential::Init with no layers");
  device_ = &device;
  fwd_hops_.clear();
  bwd_hops_.clear();
  dnnl::memory::desc offered = src;
  for (auto& layer : layers_) {
    absl::Status s = layer->Init(offered, device);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("layer '", layer->name(), "': ", s.message()));
    }
    fwd_hops_.push_back(Plan(offered, layer->src_desc(), device));
    offered = layer->dst().get_desc();
  }
  // Gradient entering layer i comes from layer i+1's diff_src (or from outside, in dst layout).
  for (size_t i = 0; i < layers_.size(); ++i) {
    const dnnl::memory::desc incoming =
        i + 1 < layers_.size() ? layers_[i + 1]->diff_src().get_desc() : dst_desc();
    bwd_hops_.push_back(Plan(incoming, layers_[i]->diff_dst_desc(), device));
  }
  diff_out_hop_ = Plan(layers_.front()->diff_src().get_desc(), src, device);
  inputs_.assign(layers_.size(), nullptr);
  return absl::OkStatus();
}

const dnnl::memory& Sequential::Forward(const dnnl::memory& src, const ForwardArgs& args) {
  const dnnl::memory* x = &src;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (profiler_ && fwd_hops_[i].reorder) {
      const auto tr = std::chrono::steady_clock::now();
      x = &Run(fwd_hops_[i], *x);
      device_->stream.wait();
      profiler_->AddForward(
          profile_prefix_ + "(reorder) " + layers_[i]->name(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - tr).count());
    } else {
      x = &Run(fwd_hops_[i], *x);
    }
    inputs_[i] = x;
    ForwardArgs layer_args = args;
    layer_args.dropout_seed = args.dropout_seed * 1000003ULL + i;  // distinct mask per layer
    const auto t0 = std::chrono::steady_clock::now();
    layers_[i]->Forward(*x, layer_args);
    if (profiler_) {
      device_->stream.wait();
      profiler_->AddForward(
          profile_prefix_ + layers_[i]->name(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    x = &layers_[i]->dst();
  }
  return *x;
}

const dnnl::memory& Sequential::Backward(const dnnl::memory& diff_dst, const BackwardArgs& args) {
  const dnnl::memory* g = &diff_dst;
  for (size_t i = layers_.size(); i-- > 0;) {
    if (profiler_ && bwd_hops_[i].reorder) {
      const auto tr = std::chrono::steady_clock::now();
      g = &Run(bwd_hops_[i], *g);
      device_->stream.wait();
      profiler_->AddBackward(
          profile_prefix_ + "(reorder) " + layers_[i]->name(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - tr).count());
    } else {
      g = &Run(bwd_hops_[i], *g);
    }
    BackwardArgs layer_args = args;
    if (i > 0) layer_args.need_diff_src = true;
    const auto t0 = std::chrono::steady_clock::now();
    layers_[i]->Backward(*inputs_[i], *g, layer_args);
    if (profiler_) {
      device_->stream.wait();
      profiler_->AddBackward(
          profile_prefix_ + layers_[i]->name(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    if (i > 0) g = &layers_[i]->diff_src();
  }
  if (!args.need_diff_src) return layers_.front()->diff_src();
  return Run(diff_out_hop_, layers_.front()->diff_src());
}

int Sequential::num_planned_reorders() const {
  int n = diff_out_hop_.reorder ? 1 : 0;
  for (const auto& h : fwd_hops_) n += h.reorder ? 1 : 0;
  for (const auto& h : bwd_hops_) n += h.reorder ? 1 : 0;
  return n;
}

}  // namespace cascade::nn
