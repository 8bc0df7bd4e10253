// PlannedReorder: one layout change inside a layer, decided once at Init.
//
// Invariant: after Plan(from, to), Run(m) returns memory in layout `to` holding m's values. When
// the layouts already match, nothing is allocated and Run() returns `m` itself; otherwise the
// destination buffer (owned here, or a caller's storage such as a ParamArena span) is fixed at
// Plan() time, so Run() only executes.
#pragma once

#include <dnnl.hpp>
#include <optional>

namespace cascade::nn {

class PlannedReorder {
 public:
  // `to_handle`, if given, is the storage the reorder writes into (must hold `to`'s size).
  void Plan(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
            const dnnl::engine& engine, void* to_handle = nullptr);

  // `from` must be in the layout given to Plan(). Returns the memory in the `to` layout.
  const dnnl::memory& Run(const dnnl::memory& from, dnnl::stream& stream);

  bool active() const { return reorder_.has_value(); }
  // The destination buffer; empty when no reorder is needed.
  const dnnl::memory& buffer() const { return buffer_; }

 private:
  std::optional<dnnl::reorder> reorder_;
  dnnl::memory buffer_;
};

}  // namespace cascade::nn
