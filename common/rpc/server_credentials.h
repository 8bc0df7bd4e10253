// Server credentials of the coordinator: TLS when a cert and key are given, plain TCP otherwise
// (loopback tests, sites that terminate TLS elsewhere). docs/operations.md says which to use.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace cascade::rpc {

struct ServerTlsOptions {
  std::string cert;  // PEM certificate chain; "" with key "" = insecure
  std::string key;   // PEM private key
};

// InvalidArgument naming the file when only one of cert/key is set or a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& options);

}  // namespace cascade::rpc
