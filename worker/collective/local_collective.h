// World-1 Collective: no transport, every operation is the identity.
#pragma once

#include "worker/collective/collective.h"

namespace cascade::collective {

// Invariant: rank() == 0, world() == 1. Counts calls so step timing code behaves the same as in
// a real group; bytes sent stay 0.
class LocalCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int world() const override { return 1; }
  absl::Status AllreduceSum(std::span<float> data) override;
  absl::Status Broadcast(std::span<std::byte> data, int root) override;
  absl::Status Barrier() override;
};

}  // namespace cascade::collective
