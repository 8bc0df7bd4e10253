// RendezvousServiceImpl: the gRPC face of the coordinator's KvStore (rendezvous_service.proto).
// Callback API, so a Get/Wait that blocks until its keys arrive holds no server thread.
//
// Every call: role worker (bearer token), the caller's worker id from the `x-cascade-worker-id`
// metadata, and every key under the caller's current assignment prefix ("<prefix>/...");
// otherwise PERMISSION_DENIED. Set twice -> ALREADY_EXISTS; a Get/Wait past its timeout (or the
// RPC deadline) -> DEADLINE_EXCEEDED naming the missing keys. Thread-safe; outlives no server.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cascade/v1/rendezvous_service.grpc.pb.h"
#include "common/rpc/authenticator.h"
#include "coordinator/rendezvous/kv_store.h"

namespace cascade::coordinator {

class RendezvousServiceImpl final : public v1::RendezvousService::CallbackService {
 public:
  // `assignment_prefix(worker_id)` is the rendezvous prefix of the worker's current assignment
  // (Coordinator::RendezvousPrefix), nullopt when it has none.
  using PrefixLookup = std::function<std::optional<std::string>(const std::string& worker_id)>;

  RendezvousServiceImpl(rpc::Authenticator& auth, PrefixLookup assignment_prefix);

  // The store, e.g. to DropPrefix when a generation ends (Coordinator::on_generation_ended).
  KvStore& store() { return store_; }

  grpc::ServerUnaryReactor* Set(grpc::CallbackServerContext* context, const v1::SetRequest* request,
                                v1::SetResponse* response) override;
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context, const v1::GetRequest* request,
                                v1::GetResponse* response) override;
  grpc::ServerUnaryReactor* Wait(grpc::CallbackServerContext* context,
                                 const v1::WaitRequest* request,
                                 v1::WaitResponse* response) override;

 private:
  // Authenticates the call and checks that every key lies under the caller's prefix.
  absl::Status Admit(const grpc::CallbackServerContext& context, const char* method,
                     const std::vector<std::string>& keys);

  rpc::Authenticator& auth_;
  PrefixLookup assignment_prefix_;
  KvStore store_;
};

}  // namespace cascade::coordinator
