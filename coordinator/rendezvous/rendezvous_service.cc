#include "coordinator/rendezvous/rendezvous_service.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/rpc/grpc_status.h"

namespace cascade::coordinator {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxValueBytes = 1 << 20;  // Gloo stores addresses: a few hundred bytes
constexpr size_t kMaxWaitKeys = 65536;

// When a Get/Wait gives up: the request's timeout or the RPC deadline, whichever comes first.
absl::Time WaitDeadline(const grpc::CallbackServerContext& context, bool has_timeout,
                        const google::protobuf::Duration& timeout) {
  absl::Time deadline = absl::InfiniteFuture();
  if (has_timeout) {
    deadline = absl::Now() + absl::Seconds(timeout.seconds()) + absl::Nanoseconds(timeout.nanos());
  }
  const auto rpc_deadline = context.deadline();
  if (rpc_deadline < std::chrono::system_clock::now() + std::chrono::hours(24 * 365)) {
    deadline = std::min(deadline, absl::FromChrono(rpc_deadline));
  }
  return deadline;
}

// One blocked Get/Wait: completed by the KvStore callback (keys arrived, deadline) or by a
// client cancel. Deletes itself when gRPC is done with it.
class WaitReactor final : public grpc::ServerUnaryReactor {
 public:
  // `on_ready` fills the response once the keys exist; it returns the final status.
  WaitReactor(KvStore& store, std::function<absl::Status()> on_ready)
      : store_(store), on_ready_(std::move(on_ready)) {}

  void Start(std::vector<std::string> keys, absl::Time deadline) {
    const int64_t id =
        store_.WaitAsync(std::move(keys), deadline, [this](const absl::Status& status) {
          Finish(rpc::ToGrpcStatus(status.ok() ? on_ready_() : status));
        });
    bool cancelled = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      id_ = id;
      cancelled = cancelled_;
    }
    if (cancelled) store_.CancelWaiter(id);
  }

  void OnCancel() override {
    int64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      id = id_;
    }
    if (id != 0) store_.CancelWaiter(id);  // a no-op when the wait already completed
  }
  void OnDone() override { delete this; }

 private:
  KvStore& store_;
  std::function<absl::Status()> on_ready_;
  std::mutex mu_;
  int64_t id_ = 0;
  bool cancelled_ = false;
};

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(rpc::ToGrpcStatus(status));
  return reactor;
}

}  // namespace

RendezvousServiceImpl::RendezvousServiceImpl(rpc::Authenticator& auth,
                                             PrefixLookup assignment_prefix)
    : auth_(auth), assignment_prefix_(std::move(assignment_prefix)) {}

absl::Status RendezvousServiceImpl::Admit(const grpc::CallbackServerContext& context,
                                          const char* method,
                                          const std::vector<std::string>& keys) {
  if (auto principal = auth_.Authorize(context, {rpc::Role::kWorker}, method); !principal.ok()) {
    return principal.status();
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("x-cascade-worker-id");
  if (it == metadata.end() || it->second.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(method, ": no x-cascade-worker-id metadata (workers send their id)"));
  }
  const std::string worker_id(it->second.data(), it->second.size());
  const std::optional<std::string> prefix = assignment_prefix_(worker_id);
  if (!prefix || prefix->empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat(method, ": worker ", worker_id, " has no current assignment"));
  }
  const std::string scope = *prefix + "/";
  for (const auto& key : keys) {
    if (key.size() > kMaxKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(method, ": key of ", key.size(), " bytes (limit ", kMaxKeyBytes, ")"));
    }
    if (key.compare(0, scope.size(), scope) != 0) {
      spdlog::warn("rendezvous: {} denied to worker {}: key '{}' outside '{}'", method, worker_id,
                   key, scope);
      return absl::PermissionDeniedError(absl::StrCat(method, ": key '", key, "' is outside ",
                                                      "worker ", worker_id,
                                                      "'s assignment prefix '", scope, "'"));
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* RendezvousServiceImpl::Set(grpc::CallbackServerContext* context,
                                                     const v1::SetRequest* request,
                                                     v1::SetResponse* /*response*/) {
  if (absl::Status st = Admit(*context, "RendezvousService.Set", {request->key()}); !st.ok()) {
    return FinishNow(context, st);
  }
  if (request->value().size() > kMaxValueBytes) {
    return FinishNow(
        context, absl::InvalidArgumentError(absl::StrCat(
                     "RendezvousService.Set: value of ", request->value().size(), " bytes for '",
                     request->key(), "' (limit ", kMaxValueBytes, ")")));
  }
  return FinishNow(context, store_.Set(request->key(), request->value()));
}

grpc::ServerUnaryReactor* RendezvousServiceImpl::Get(grpc::CallbackServerContext* context,
                                                     const v1::GetRequest* request,
                                                     v1::GetResponse* response) {
  const std::string key = request->key();
  if (absl::Status st = Admit(*context, "RendezvousService.Get", {key}); !st.ok()) {
    return FinishNow(context, st);
  }
  auto* reactor = new WaitReactor(store_, [this, key, response]() -> absl::Status {
    auto value = store_.Lookup(key);
    if (!value) return absl::NotFoundError(absl::StrCat("rendezvous key '", key, "' was dropped"));
    response->set_value(std::move(*value));
    return absl::OkStatus();
  });
  reactor->Start({key}, WaitDeadline(*context, request->has_timeout(), request->timeout()));
  return reactor;
}

grpc::ServerUnaryReactor* RendezvousServiceImpl::Wait(grpc::CallbackServerContext* context,
                                                      const v1::WaitRequest* request,
                                                      v1::WaitResponse* /*response*/) {
  std::vector<std::string> keys(request->keys().begin(), request->keys().end());
  if (keys.size() > kMaxWaitKeys) {
    return FinishNow(
        context, absl::InvalidArgumentError(absl::StrCat("RendezvousService.Wait: ", keys.size(),
                                                         " keys (limit ", kMaxWaitKeys, ")")));
  }
  if (absl::Status st = Admit(*context, "RendezvousService.Wait", keys); !st.ok()) {
    return FinishNow(context, st);
  }
  auto* reactor = new WaitReactor(store_, [] { return absl::OkStatus(); });
  reactor->Start(std::move(keys),
                 WaitDeadline(*context, request->has_timeout(), request->timeout()));
  return reactor;
}

}  // namespace cascade::coordinator
