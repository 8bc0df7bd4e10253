// GrpcStore: a gloo::rendezvous::Store over the coordinator's RendezvousService, so the workers
// of a group meet without any worker node holding rendezvous state (DESIGN.md, elastic groups).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cascade/v1/rendezvous_service.grpc.pb.h"
#include "gloo/rendezvous/store.h"

namespace grpc {
class Channel;
}

namespace cascade::collective {

struct GrpcStoreOptions {
  std::string token;      // bearer token (role worker)
  std::string worker_id;  // sent as `x-cascade-worker-id`; the service scopes keys by it
  // Bounds every call that has no timeout of its own (set, get, untimed wait).
  std::chrono::milliseconds timeout{30000};
};

// Keys pass through unchanged: callers (ConnectGloo's PrefixStore) put them under the
// assignment's rendezvous prefix. Gloo's Store API has no status, so failures throw
// gloo::IoException whose message names the operation, the key(s) and the coordinator's answer;
// the caller builds the Gloo context inside its existing catch boundary (ConnectGloo). A
// coordinator that is briefly UNAVAILABLE (restarting) is retried until the call's deadline.
// Thread-safe (gRPC stubs are).
class GrpcStore final : public gloo::rendezvous::Store {
 public:
  GrpcStore(std::shared_ptr<grpc::Channel> channel, GrpcStoreOptions options);

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys,
            const std::chrono::milliseconds& timeout) override;

 private:
  std::unique_ptr<v1::RendezvousService::Stub> stub_;
  const GrpcStoreOptions options_;
};

}  // namespace cascade::collective
