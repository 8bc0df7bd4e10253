#include "common/rpc/channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cascade::rpc {

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("token file ", path, ": does not exist"));
  }
  // A token readable by others is a leaked token; ssh refuses such keys for the same reason.
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token file ", path, ": readable by group or others (run: chmod 600 ", path, ")"));
  }
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("token file ", path, ": cannot be read"));
  std::string line;
  while (std::getline(in, line)) {
    const std::string token(absl::StripAsciiWhitespace(line));
    if (!token.empty()) return std::string(token);
  }
  return absl::InvalidArgumentError(absl::StrCat("token file ", path, ": empty"));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ClientOptions& options) {
  if (options.address.empty()) return absl::InvalidArgumentError("coordinator address is empty");
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // Long-lived streams (worker sessions, watches) must notice a dead peer behind a NAT or a
  // silently dropped connection.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.tls_ca.empty()) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    std::ifstream in(options.tls_ca);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS CA file ", options.tls_ca, ": cannot be read"));
    }
    std::ostringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    creds = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  }
  return grpc::CreateCustomChannel(options.address, creds, args);
}

void PrepareContext(grpc::ClientContext& context, const std::string& token,
                    std::chrono::milliseconds deadline) {
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  if (deadline.count() > 0) context.set_deadline(std::chrono::system_clock::now() + deadline);
}

}  // namespace cascade::rpc
