#include "worker/collective/local_collective.h"

#include "absl/strings/str_cat.h"

namespace cascade::collective {

absl::Status LocalCollective::AllreduceSum(std::span<float> data) {
  ++mutable_stats().allreduce_calls;
  return absl::OkStatus();
}

absl::Status LocalCollective::Broadcast(std::span<std::byte> data, int root) {
  if (root != 0) {
    return absl::InvalidArgumentError(absl::StrCat("broadcast root ", root, " outside world 1"));
  }
  ++mutable_stats().broadcast_calls;
  return absl::OkStatus();
}

absl::Status LocalCollective::Barrier() {
  ++mutable_stats().barrier_calls;
  return absl::OkStatus();
}

}  // namespace cascade::collective
