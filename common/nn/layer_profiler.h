// LayerProfiler: optional wall-time accounting per layer and direction, for benchmarks and
// `--profile` runs. A Sequential with a profiler waits on the stream after each layer (the CPU
// stream is in-order, so this only adds the wait, not a sync point that changes results).
#pragma once

#include <map>
#include <string>

namespace cascade::nn {

struct LayerTime {
  double forward_seconds = 0, backward_seconds = 0;
  long forward_calls = 0, backward_calls = 0;
};

class LayerProfiler {
 public:
  void AddForward(const std::string& layer, double seconds) {
    auto& t = times_[layer];
    t.forward_seconds += seconds;
    ++t.forward_calls;
  }
  void AddBackward(const std::string& layer, double seconds) {
    auto& t = times_[layer];
    t.backward_seconds += seconds;
    ++t.backward_calls;
  }
  const std::map<std::string, LayerTime>& times() const { return times_; }
  void Clear() { times_.clear(); }

 private:
  std::map<std::string, LayerTime> times_;
};

}  // namespace cascade::nn
