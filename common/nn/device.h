// The oneDNN engine and stream a model runs on. Passed explicitly (no globals): every layer
// keeps a reference to the Device it was initialised with.
#pragma once

#include <dnnl.hpp>

namespace cascade::nn {

struct Device {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

}  // namespace cascade::nn
