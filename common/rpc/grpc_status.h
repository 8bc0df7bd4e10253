// absl::Status <-> grpc::Status at the RPC boundary: codes map one to one (same numbering), the
// message is kept verbatim so a CLI user sees the coordinator's words (the field, file or value).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace cascade::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace cascade::rpc
