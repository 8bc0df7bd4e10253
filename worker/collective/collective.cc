#include "worker/collective/collective.h"

#include "worker/collective/local_collective.h"

namespace cascade::collective {

Collective::~Collective() = default;

absl::Status Collective::AllreduceAverage(std::span<float> data) {
  absl::Status status = AllreduceSum(data);
  if (!status.ok() || world() == 1) return status;
  const float scale = 1.0f / static_cast<float>(world());
  for (float& x : data) x *= scale;
  return absl::OkStatus();
}

std::unique_ptr<Collective> MakeLocalCollective() { return std::make_unique<LocalCollective>(); }

}  // namespace cascade::collective
