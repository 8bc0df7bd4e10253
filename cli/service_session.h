// One CLI invocation's link to the coordinator: the channel and UserService stub built from a
// resolved connection, plus the translation of RPC failures into the exit codes and messages of
// docs/cli.md (the coordinator's message verbatim, then a hint on what to do).
#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cascade/v1/user_service.grpc.pb.h"
#include "cli/service_connection.h"

namespace cascade::cli {

// Deadline of every unary call: long enough for a coordinator busy with a large scan, short
// enough that a hung one does not hang a script.
inline constexpr std::chrono::milliseconds kUnaryDeadline{30000};

// Exit code for a failed call (cli/command.h): auth -> kFailure, NOT_FOUND / INVALID_ARGUMENT ->
// kBadInput, UNAVAILABLE / DEADLINE_EXCEEDED -> kUnavailable, anything else -> kFailure.
int ExitCodeFor(absl::StatusCode code);

class ServiceSession {
 public:
  // InvalidArgument for an empty address or an unreadable TLS CA file.
  static absl::StatusOr<std::unique_ptr<ServiceSession>> Open(const ResolvedConnection& connection);

  v1::UserService::Stub& stub() { return *stub_; }
  grpc::Channel& channel() { return *channel_; }
  const ResolvedConnection& connection() const { return connection_; }

  // Adds the bearer token and `deadline` (0 = none, for streams).
  void Prepare(grpc::ClientContext& context,
               std::chrono::milliseconds deadline = kUnaryDeadline) const;

  // Prints "cascade COMMAND: <message>" and a hint to `err`; returns the exit code.
  int Fail(const grpc::Status& status, std::string_view command, std::ostream& err) const;
  int Fail(const absl::Status& status, std::string_view command, std::ostream& err) const;

 private:
  ServiceSession(ResolvedConnection connection, std::shared_ptr<grpc::Channel> channel);

  ResolvedConnection connection_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::UserService::Stub> stub_;
};

}  // namespace cascade::cli
