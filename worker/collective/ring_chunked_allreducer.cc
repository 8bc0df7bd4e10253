#include "worker/collective/ring_chunked_allreducer.h"

#include <algorithm>

namespace cascade::collective {

RingChunkedAllreducer::RingChunkedAllreducer(const std::shared_ptr<gloo::Context>& context,
                                             size_t count)
    : staging_(count, 0.0f) {
  std::vector<float*> ptrs = {staging_.data()};
  algorithm_ =
      std::make_unique<gloo::AllreduceRingChunked<float>>(context, ptrs, static_cast<int>(count));
}

void RingChunkedAllreducer::Run(std::span<float> data) {
  std::copy(data.begin(), data.end(), staging_.begin());
  algorithm_->run();
  std::copy(staging_.begin(), staging_.end(), data.begin());
}

}  // namespace cascade::collective
