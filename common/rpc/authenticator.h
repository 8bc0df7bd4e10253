// Authenticator: what every coordinator service calls first in every RPC. Holds the current
// TokenRegistry and re-reads its file when the file changed (checked at most once a second), so
// `cascade admin token create|revoke` takes effect without a restart. Thread-safe.
#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/rpc/role.h"
#include "common/rpc/token_registry.h"

namespace cascade::rpc {

class Authenticator {
 public:
  // Loads `token_file` now (its errors are returned by Create).
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(const std::string& token_file);
  // A fixed registry (tests, benchmarks); never reloads.
  explicit Authenticator(TokenRegistry registry);

  // TokenRegistry::Authorize on the current registry. A reload that fails keeps the old registry
  // and logs the error once.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& context,
                                      std::initializer_list<Role> allowed, std::string_view method);

  // The registry in force now (re-read first if the file changed).
  std::shared_ptr<const TokenRegistry> Current();

 private:
  std::string token_file_;  // "" = fixed registry
  std::mutex mu_;
  std::shared_ptr<const TokenRegistry> registry_;
  absl::Time last_check_ = absl::InfinitePast();
  int64_t file_mtime_ns_ = 0;
};

}  // namespace cascade::rpc
