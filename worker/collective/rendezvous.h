// Turns a `--rendezvous` flag value into the gloo::rendezvous::Store the group meets in.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gloo/rendezvous/store.h"

namespace cascade::collective {

// Supported forms:
//   file:DIR   gloo::rendezvous::FileStore on DIR, an existing directory every rank can see
//              (shared file system across nodes). Keys are files; write-once.
// The coordinator-backed store is GrpcStore (grpc_store.h, library cascade_grpc_store): the worker
// agent constructs it directly, because it needs a channel, a token and the worker id rather than
// a flag value. Callers only ever see gloo::rendezvous::Store. Errors: InvalidArgument naming
// the value.
absl::StatusOr<std::unique_ptr<gloo::rendezvous::Store>> OpenRendezvousStore(
    const std::string& spec);

}  // namespace cascade::collective
