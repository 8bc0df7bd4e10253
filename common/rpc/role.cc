#include "common/rpc/role.h"

#include "absl/strings/str_cat.h"

namespace cascade::rpc {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kUser:
      return "user";
    case Role::kWorker:
      return "worker";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

absl::StatusOr<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kUser, Role::kWorker, Role::kAdmin}) {
    if (name == RoleName(r)) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role \"", std::string(name), "\" is not one of user, worker, admin"));
}

}  // namespace cascade::rpc
