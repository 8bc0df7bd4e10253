// TokenRegistry: the coordinator's table of bearer tokens, loaded from a YAML file that holds only
// SHA-256 hashes (a stolen state or config file does not leak a usable token):
//
//   tokens:
//     - name: alice                 # who: recorded as the owner of what the token submits
//       role: user                  # user | worker | admin
//       sha256: 9f86d08...          # hex SHA-256 of the token string (HashToken)
//       expires: 2027-01-01T00:00:00Z   # optional, RFC 3339; absent = never
//       revoked: false              # optional
//
// Authenticate() reads `authorization: Bearer <token>` from a call's metadata. The registry is
// immutable once loaded; the coordinator swaps in a new one (shared_ptr) to reload the file.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/rpc/role.h"

namespace grpc {
class ServerContextBase;
}

namespace cascade::rpc {

struct TokenEntry {
  std::string name;
  Role role = Role::kUser;
  std::string sha256_hex;
  absl::Time expires = absl::InfiniteFuture();
  bool revoked = false;
};

class TokenRegistry {
 public:
  TokenRegistry() = default;
  explicit TokenRegistry(std::vector<TokenEntry> entries);

  // InvalidArgument naming the file and the entry/field for a malformed file or duplicate name;
  // NotFound if the file does not exist.
  static absl::StatusOr<TokenRegistry> LoadFile(const std::string& path);
  // Writes the YAML above (mode 0600); used by `cascade admin token create/revoke`.
  absl::Status SaveFile(const std::string& path) const;

  // The principal a raw token belongs to. Unauthenticated (never says which part was wrong beyond
  // "unknown", "expired" or "revoked") when it is not a live token.
  absl::StatusOr<Principal> Lookup(std::string_view token, absl::Time now = absl::Now()) const;

  // Reads the call's bearer token and checks its role is one of `allowed` (admin passes wherever
  // kUser is allowed). Unauthenticated: no/garbled header or unknown token. PermissionDenied:
  // known token, wrong role — the message names the role and the method.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& context,
                                      std::initializer_list<Role> allowed,
                                      std::string_view method) const;

  const std::vector<TokenEntry>& entries() const { return entries_; }
  std::vector<TokenEntry>& mutable_entries() { return entries_; }

 private:
  std::vector<TokenEntry> entries_;
  std::map<std::string, size_t> by_hash_;  // sha256 hex -> index into entries_
};

// 32 random bytes from the OS (std::random_device), hex: the string a client sends.
std::string GenerateToken();
// Lower-case hex SHA-256 (OpenSSL).
std::string HashToken(std::string_view token);

}  // namespace cascade::rpc
