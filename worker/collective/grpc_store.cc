#include "worker/collective/grpc_store.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gloo/common/error.h"

namespace cascade::collective {
namespace {

using Clock = std::chrono::system_clock;

void SetDuration(std::chrono::milliseconds ms, google::protobuf::Duration* d) {
  d->set_seconds(ms.count() / 1000);
  d->set_nanos(static_cast<int32_t>((ms.count() % 1000) * 1000000));
}

// Calls `rpc(context)` until it returns anything but UNAVAILABLE or `deadline` passes; a
// coordinator restart shows as UNAVAILABLE for a few seconds. Backoff 50 ms doubling to 1 s.
template <typename Rpc>
grpc::Status CallWithRetry(const GrpcStoreOptions& options, Clock::time_point deadline, Rpc&& rpc,
                           int* attempts) {
  std::chrono::milliseconds backoff(50);
  for (*attempts = 1;; ++*attempts) {
    grpc::ClientContext context;
    if (!options.token.empty()) context.AddMetadata("authorization", "Bearer " + options.token);
    context.AddMetadata("x-cascade-worker-id", options.worker_id);
    context.set_deadline(deadline);
    grpc::Status status = rpc(context);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE ||
        Clock::now() + backoff >= deadline) {
      return status;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(1));
  }
}

[[noreturn]] void Throw(const std::string& what, const grpc::Status& status) {
  throw gloo::IoException(absl::StrCat("coordinator rendezvous ", what, ": ",
                                       status.error_message(), " (grpc code ",
                                       static_cast<int>(status.error_code()), ")"));
}

}  // namespace

GrpcStore::GrpcStore(std::shared_ptr<grpc::Channel> channel, GrpcStoreOptions options)
    : stub_(v1::RendezvousService::NewStub(std::move(channel))), options_(std::move(options)) {}

void GrpcStore::set(const std::string& key, const std::vector<char>& data) {
  v1::SetRequest request;
  request.set_key(key);
  request.set_value(data.data(), data.size());
  int attempts = 0;
  grpc::Status status = CallWithRetry(
      options_, Clock::now() + options_.timeout,
      [&](grpc::ClientContext& context) {
        v1::SetResponse response;
        return stub_->Set(&context, request, &response);
      },
      &attempts);
  if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS && attempts > 1) {
    // An earlier attempt may have landed before the connection broke: same value, same key.
    if (get(key) == data) return;
  }
  if (!status.ok()) Throw(absl::StrCat("set '", key, "'"), status);
}

std::vector<char> GrpcStore::get(const std::string& key) {
  v1::GetRequest request;
  request.set_key(key);
  SetDuration(options_.timeout, request.mutable_timeout());
  v1::GetResponse response;
  int attempts = 0;
  // The RPC deadline leaves the server's own timeout room to answer with the missing key.
  grpc::Status status = CallWithRetry(
      options_, Clock::now() + options_.timeout + std::chrono::seconds(5),
      [&](grpc::ClientContext& context) { return stub_->Get(&context, request, &response); },
      &attempts);
  if (!status.ok()) Throw(absl::StrCat("get '", key, "'"), status);
  return std::vector<char>(response.value().begin(), response.value().end());
}

void GrpcStore::wait(const std::vector<std::string>& keys) { wait(keys, options_.timeout); }

void GrpcStore::wait(const std::vector<std::string>& keys,
                     const std::chrono::milliseconds& timeout) {
  v1::WaitRequest request;
  for (const auto& key : keys) request.add_keys(key);
  SetDuration(timeout, request.mutable_timeout());
  int attempts = 0;
  grpc::Status status = CallWithRetry(
      options_, Clock::now() + timeout + std::chrono::seconds(5),
      [&](grpc::ClientContext& context) {
        v1::WaitResponse response;
        return stub_->Wait(&context, request, &response);
      },
      &attempts);
  if (!status.ok()) Throw(absl::StrCat("wait '", absl::StrJoin(keys, "', '"), "'"), status);
}

}  // namespace cascade::collective
