// The layer contract (Caffe's Layer split, oneDNN's plan-once discipline, llm.c's explicit
// buffers).
//
// Life cycle:
//   1. Params()/Buffers() declare the layer's tensors in a canonical *plain* layout (the layout
//      checkpoints, Keras import, parity fixtures and the allreduce all share).
//   2. A ParamArena allocates every model tensor in one block and calls Bind() once.
//   3. Init(src) plans all primitives for a fixed input descriptor (batch included): it builds
//      forward and backward primitive descriptors with `format_tag::any` where the primitive is
//      compute-bound, allocates dst / diff_src / workspace, and decides every reorder. After
//      Init nothing is allocated or created.
//   4. Forward()/Backward() only execute.
//
// Layouts: a layer may want its input in a layout other than the one offered (src_desc()); the
// Sequential container inserts reorders between layers, planned once at Init. Activations thus
// stay in oneDNN's blocked formats between layers.
//
// Gradients: Backward() *overwrites* (never accumulates) the grads of the layer's params, so one
// backward pass fully defines the gradient buffer; callers zero nothing.
#pragma once

#include <cstdint>
#include <dnnl.hpp>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/nn/device.h"
#include "common/nn/memory_util.h"

namespace cascade::nn {

// Keras initialisers (keras/initializers.py, 2.0.x) plus constants.
enum class Initializer {
  kZeros,
  kOnes,
  kGlorotUniform,  // U(±sqrt(6/(fan_in+fan_out)))
  kGlorotNormal,   // truncated N(0, sqrt(2/(fan_in+fan_out))) (Keras 2.0: truncated at 2σ)
  kHeUniform,      // U(±sqrt(6/fan_in))
};

// Elementwise activations, standalone (Activation layer) or fused into Conv3d / Dense.
enum class ActivationKind { kNone, kRelu, kLeakyRelu, kSigmoid };

// Which axis BatchNorm normalises: the channels (what channels_last Keras does), or the last
// spatial axis W of NCDHW, viewed as (N·C·D·H, W) — what the published 3DGAN counts come from
// (Keras channels_first with the default axis=-1; see docs/model.md).
enum class BnAxis { kChannel, kLastSpatial };

struct TensorSpec {
  std::string name;  // Keras-like: "kernel", "bias", "gamma", "beta", "moving_mean", ...
  Dims shape;        // plain layout; conv kernels are (O, I, kD, kH, kW), dense (out, in)
  Initializer init = Initializer::kZeros;
  int64_t fan_in = 0;  // for fan-based initialisers
  int64_t fan_out = 0;
};

struct ForwardArgs {
  bool training = false;      // BN batch statistics + moving-average update, Dropout active
  uint64_t dropout_seed = 0;  // Dropout masks are a pure function of (seed, element index)
};

struct BackwardArgs {
  bool need_diff_src = true;     // false for the first layer of a model fed by data
  bool need_param_grads = true;  // false when the model is frozen (D during the G step)
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::string name() const = 0;
  virtual std::vector<TensorSpec> Params() const { return {}; }
  virtual std::vector<TensorSpec> Buffers() const { return {}; }  // non-trainable (BN stats)

  // Spans are in Params()/Buffers() order and stay valid for the life of the layer.
  virtual void Bind(std::vector<std::span<float>> params, std::vector<std::span<float>> grads,
                    std::vector<std::span<float>> buffers) {}

  // Plans everything for input `src` (its dims fix the batch size).
  virtual absl::Status Init(const dnnl::memory::desc& src, Device& device) = 0;

  virtual dnnl::memory::desc src_desc() const = 0;       // layout Forward() needs
  virtual const dnnl::memory& dst() const = 0;           // output, owned by the layer
  virtual dnnl::memory::desc diff_dst_desc() const = 0;  // layout Backward() needs
  virtual const dnnl::memory& diff_src() const = 0;      // valid after Backward(need_diff_src)

  virtual void Forward(const dnnl::memory& src, const ForwardArgs& args) = 0;
  // `src` is the same memory given to the matching Forward(); dst() still holds its result.
  virtual void Backward(const dnnl::memory& src, const dnnl::memory& diff_dst,
                        const BackwardArgs& args) = 0;
};

}  // namespace cascade::nn
