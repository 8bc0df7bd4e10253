// Status propagation macros. Debian's Abseil 20220623 ships no public RETURN_IF_ERROR /
// ASSIGN_OR_RETURN, so Cascade defines them once, here.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CASCADE_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::absl::Status cascade_status_ = (expr);           \
    if (!cascade_status_.ok()) return cascade_status_; \
  } while (0)

#define CASCADE_STATUS_CONCAT_INNER(a, b) a##b
#define CASCADE_STATUS_CONCAT(a, b) CASCADE_STATUS_CONCAT_INNER(a, b)

// CASCADE_ASSIGN_OR_RETURN(auto x, Foo()); or CASCADE_ASSIGN_OR_RETURN(x, Foo());
#define CASCADE_ASSIGN_OR_RETURN(lhs, expr) \
  CASCADE_ASSIGN_OR_RETURN_IMPL(CASCADE_STATUS_CONCAT(cascade_statusor_, __LINE__), lhs, expr)

#define CASCADE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
