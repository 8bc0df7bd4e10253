#include "cli/service_session.h"

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "common/rpc/grpc_status.h"

namespace cascade::cli {

int ExitCodeFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return kOk;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
      return kBadInput;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnavailable;
    default:
      return kFailure;
  }
}

absl::StatusOr<std::unique_ptr<ServiceSession>> ServiceSession::Open(
    const ResolvedConnection& connection) {
  auto channel = rpc::MakeChannel(connection.options);
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<ServiceSession>(new ServiceSession(connection, *std::move(channel)));
}

ServiceSession::ServiceSession(ResolvedConnection connection,
                               std::shared_ptr<grpc::Channel> channel)
    : connection_(std::move(connection)),
      channel_(std::move(channel)),
      stub_(v1::UserService::NewStub(channel_)) {}

void ServiceSession::Prepare(grpc::ClientContext& context,
                             std::chrono::milliseconds deadline) const {
  rpc::PrepareContext(context, connection_.options.token, deadline);
}

int ServiceSession::Fail(const grpc::Status& status, std::string_view command,
                         std::ostream& err) const {
  return Fail(rpc::FromGrpcStatus(status), command, err);
}

int ServiceSession::Fail(const absl::Status& status, std::string_view command,
                         std::ostream& err) const {
  const std::string& address = connection_.options.address;
  const std::string message(status.message());
  err << "cascade " << command << ": ";
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      err << "cannot reach the coordinator at " << address << " ("
          << absl::StatusCodeToString(status.code()) << ": " << message << ")\n"
          << "hint: is cascade-coordinator running there? Pass --coordinator HOST:PORT or set "
             "CASCADE_COORDINATOR.\n";
      break;
    case absl::StatusCode::kUnauthenticated:
      err << message << "\n";
      if (connection_.options.token.empty()) {
        err << "hint: no token was sent. Pass --token-file FILE, set CASCADE_TOKEN_FILE, or put "
               "token_file in ~/.config/cascade/config.yaml (an admin creates tokens with "
               "`cascade admin token create`).\n";
      } else {
        err << "hint: the coordinator at " << address << " does not accept the token from "
            << connection_.token_source
            << " (unknown, expired or revoked); ask an admin for a new one.\n";
      }
      break;
    case absl::StatusCode::kPermissionDenied:
      err << message << "\n"
          << "hint: the token from " << connection_.token_source
          << " lacks the role this command needs; a user or admin token is required.\n";
      break;
    default:
      // INVALID_ARGUMENT carries the spec's field path; NOT_FOUND the id: both verbatim.
      err << message << "\n";
      break;
  }
  return ExitCodeFor(status.code());
}

}  // namespace cascade::cli
