// Roles a bearer token grants (DESIGN.md, Security). A call names the roles it accepts; admin is
// accepted wherever user is, never where only worker is (an admin is a person, not a worker).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cascade::rpc {

enum class Role { kUser, kWorker, kAdmin };

const char* RoleName(Role role);                        // "user" | "worker" | "admin"
absl::StatusOr<Role> ParseRole(std::string_view name);  // InvalidArgument naming the value

// The authenticated caller of one RPC.
struct Principal {
  std::string name;  // token name, e.g. "alice" or "slurm-pool"; recorded as a scan's owner
  Role role = Role::kUser;
};

}  // namespace cascade::rpc
