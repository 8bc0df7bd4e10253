// Client side of every Cascade RPC: where the coordinator is, which token to send, and whether to
// use TLS. Shared by the CLI, the worker agent and the benchmarks.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace cascade::rpc {

struct ClientOptions {
  std::string address;  // "host:port"
  std::string token;    // raw bearer token ("" = send none)
  std::string tls_ca;   // PEM file of the CA that signed the coordinator's cert; "" = plain TCP
  std::string tls_server_name;  // override of the name checked in the cert ("" = host of address)
};

// Reads a token file: the first non-empty line, whitespace trimmed. NotFound / InvalidArgument
// (empty file, or group/other-readable: "chmod 600 FILE") naming the file.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// A channel to `options.address`; InvalidArgument for an empty address or unreadable CA file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ClientOptions& options);

// Adds `authorization: Bearer <token>` and a deadline (0 = none) to a call.
void PrepareContext(grpc::ClientContext& context, const std::string& token,
                    std::chrono::milliseconds deadline = std::chrono::milliseconds(0));

}  // namespace cascade::rpc
