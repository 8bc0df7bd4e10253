#include "common/nn/planned_reorder.h"

namespace cascade::nn {

void PlannedReorder::Plan(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
                          const dnnl::engine& engine, void* to_handle) {
  reorder_.reset();
  buffer_ = dnnl::memory();
  if (from == to) return;
  buffer_ = to_handle != nullptr ? dnnl::memory(to, engine, to_handle) : dnnl::memory(to, engine);
  reorder_.emplace(dnnl::reorder::primitive_desc(engine, from, engine, to));
}

const dnnl::memory& PlannedReorder::Run(const dnnl::memory& from, dnnl::stream& stream) {
  if (!reorder_) return from;
  reorder_->execute(stream, const_cast<dnnl::memory&>(from), buffer_);
  return buffer_;
}

}  // namespace cascade::nn
