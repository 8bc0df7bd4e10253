// `cascade admin ...`: operator commands. Token management works on the coordinator's token file
// directly (run it on the coordinator's host; the coordinator re-reads the file within a second),
// and only ever stores SHA-256 hashes: a new token is printed once, or written to a 0600 file.
// `admin backup` asks the running coordinator for an online copy of its state (AdminService).
#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cascade/v1/admin_service.grpc.pb.h"
#include "cli/command.h"
#include "cli/service_connection.h"
#include "common/rpc/grpc_status.h"
#include "common/rpc/token_registry.h"
#include "nlohmann/json.hpp"

namespace cascade::cli {
namespace {

struct TokenFlags {
  std::string tokens = "/etc/cascade/tokens.yaml";
  std::string name, role = "user", expires, out, output = "table";
};

// "90d", "12h", "30m" or an RFC 3339 time.
absl::StatusOr<absl::Time> ParseExpiry(const std::string& text, absl::Time now) {
  if (text.empty()) return absl::InfiniteFuture();
  absl::Duration d;
  if (text.back() == 'd' && absl::ParseDuration(text.substr(0, text.size() - 1) + "h", &d)) {
    return now + 24 * d;
  }
  if (absl::ParseDuration(text, &d) && d > absl::ZeroDuration()) return now + d;
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  return absl::InvalidArgumentError(
      absl::StrCat("--expires ", text, ": expected a duration (90d, 12h) or an RFC 3339 time"));
}

absl::StatusOr<rpc::TokenRegistry> LoadOrEmpty(const std::string& path) {
  absl::StatusOr<rpc::TokenRegistry> reg = rpc::TokenRegistry::LoadFile(path);
  if (reg.status().code() == absl::StatusCode::kNotFound) return rpc::TokenRegistry();
  return reg;
}

int Fail(const absl::Status& status, int code) {
  std::cerr << "cascade admin: " << status.message() << "\n";
  return code;
}

int CreateToken(const TokenFlags& f) {
  absl::StatusOr<rpc::Role> role = rpc::ParseRole(f.role);
  if (!role.ok()) return Fail(role.status(), kUsage);
  absl::StatusOr<absl::Time> expires = ParseExpiry(f.expires, absl::Now());
  if (!expires.ok()) return Fail(expires.status(), kUsage);
  absl::StatusOr<rpc::TokenRegistry> reg = LoadOrEmpty(f.tokens);
  if (!reg.ok()) return Fail(reg.status(), kBadInput);
  for (const rpc::TokenEntry& e : reg->entries()) {
    if (e.name == f.name) {
      return Fail(absl::AlreadyExistsError(
                      absl::StrCat("a token named \"", f.name, "\" exists in ", f.tokens,
                                   " (names are never reused: choose another)")),
                  kFailure);
    }
  }
  const std::string token = rpc::GenerateToken();
  std::vector<rpc::TokenEntry> entries = reg->entries();
  entries.push_back({f.name, *role, rpc::HashToken(token), *expires, false});
  if (!f.out.empty()) {
    const int fd = open(f.out.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      return Fail(absl::FailedPreconditionError(
                      absl::StrCat("--out ", f.out, ": cannot create (does it exist already?)")),
                  kFailure);
    }
    const std::string line = token + "\n";
    const bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    close(fd);
    if (!ok) return Fail(absl::InternalError(absl::StrCat("--out ", f.out, ": write failed")), 1);
  }
  if (absl::Status st = rpc::TokenRegistry(std::move(entries)).SaveFile(f.tokens); !st.ok()) {
    if (!f.out.empty()) unlink(f.out.c_str());
    return Fail(st, kFailure);
  }
  if (f.out.empty()) {
    std::cout << token << "\n";
    std::cerr << "token \"" << f.name << "\" (" << f.role << ") added to " << f.tokens
              << "; it is shown only now — store it in a 0600 file\n";
  } else {
    std::cerr << "token \"" << f.name << "\" (" << f.role << ") added to " << f.tokens
              << " and written to " << f.out << "\n";
  }
  return kOk;
}

int RevokeToken(const TokenFlags& f) {
  absl::StatusOr<rpc::TokenRegistry> reg = rpc::TokenRegistry::LoadFile(f.tokens);
  if (!reg.ok()) return Fail(reg.status(), kBadInput);
  std::vector<rpc::TokenEntry> entries = reg->entries();
  bool found = false;
  for (rpc::TokenEntry& e : entries) {
    if (e.name == f.name) found = e.revoked = true;
  }
  if (!found) {
    return Fail(absl::NotFoundError(absl::StrCat("no token named \"", f.name, "\" in ", f.tokens)),
                kBadInput);
  }
  if (absl::Status st = rpc::TokenRegistry(std::move(entries)).SaveFile(f.tokens); !st.ok()) {
    return Fail(st, kFailure);
  }
  std::cerr << "token \"" << f.name << "\" revoked in " << f.tokens << "\n";
  return kOk;
}

int ListTokens(const TokenFlags& f) {
  absl::StatusOr<rpc::TokenRegistry> reg = rpc::TokenRegistry::LoadFile(f.tokens);
  if (!reg.ok()) return Fail(reg.status(), kBadInput);
  const absl::Time now = absl::Now();
  auto expiry = [](const rpc::TokenEntry& e) {
    return e.expires == absl::InfiniteFuture()
               ? std::string("never")
               : absl::FormatTime(absl::RFC3339_sec, e.expires, absl::UTCTimeZone());
  };
  auto state = [&](const rpc::TokenEntry& e) {
    return e.revoked ? "revoked" : (now >= e.expires ? "expired" : "active");
  };
  if (f.output == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const rpc::TokenEntry& e : reg->entries()) {
      out.push_back({{"name", e.name},
                     {"role", rpc::RoleName(e.role)},
                     {"expires", expiry(e)},
                     {"state", state(e)}});
    }
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  std::printf("%-24s %-7s %-8s %s\n", "NAME", "ROLE", "STATE", "EXPIRES");
  for (const rpc::TokenEntry& e : reg->entries()) {
    std::printf("%-24s %-7s %-8s %s\n", e.name.c_str(), rpc::RoleName(e.role), state(e),
                expiry(e).c_str());
  }
  return kOk;
}

int Backup(const ConnectionFlags& flags, const std::string& path) {
  absl::StatusOr<ResolvedConnection> conn = ResolveConnection(flags, ProcessEnv());
  if (!conn.ok()) return Fail(conn.status(), kBadInput);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = rpc::MakeChannel(conn->options);
  if (!channel.ok()) return Fail(channel.status(), kBadInput);
  auto stub = v1::AdminService::NewStub(*channel);
  grpc::ClientContext ctx;
  rpc::PrepareContext(ctx, conn->options.token, std::chrono::minutes(10));
  v1::BackupRequest request;
  request.set_path(path);
  v1::BackupResponse response;
  const grpc::Status st = stub->Backup(&ctx, request, &response);
  if (!st.ok()) {
    const int code = st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                         ? kUnavailable
                         : kFailure;
    return Fail(absl::Status(rpc::FromGrpcStatus(st).code(),
                             absl::StrCat(conn->options.address, ": ", st.error_message())),
                code);
  }
  std::cout << response.path() << " (" << response.bytes() << " bytes)\n";
  return kOk;
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* admin = app.add_subcommand("admin", "operator commands: tokens, backup");
  admin->require_subcommand(1);
  CLI::App* token = admin->add_subcommand("token", "manage the coordinator's bearer tokens");
  token->require_subcommand(1);
  auto flags = std::make_shared<TokenFlags>();
  auto tokens_flag = [&](CLI::App* cmd) {
    cmd->add_option("--tokens", flags->tokens, "the coordinator's token file (hashed tokens)")
        ->capture_default_str();
  };
  CLI::App* create = token->add_subcommand("create", "add a token; prints it once");
  tokens_flag(create);
  create->add_option("--name", flags->name, "who the token is for")->required();
  create->add_option("--role", flags->role, "user | worker | admin")
      ->check(CLI::IsMember({"user", "worker", "admin"}))
      ->capture_default_str();
  create->add_option("--expires", flags->expires, "lifetime (90d, 12h) or RFC 3339 time");
  create->add_option("--out", flags->out, "write the token to this new 0600 file instead");
  create->callback([flags, &ctx] { ctx.exit_code = CreateToken(*flags); });
  CLI::App* revoke = token->add_subcommand("revoke", "revoke a token by name");
  tokens_flag(revoke);
  revoke->add_option("--name", flags->name, "token name")->required();
  revoke->callback([flags, &ctx] { ctx.exit_code = RevokeToken(*flags); });
  CLI::App* list = token->add_subcommand("list", "list tokens (names, roles, expiry; no secrets)");
  tokens_flag(list);
  list->add_option("-o,--output", flags->output, "table | json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([flags, &ctx] { ctx.exit_code = ListTokens(*flags); });

  CLI::App* backup = admin->add_subcommand(
      "backup", "online copy of the coordinator's state file (written on its host)");
  auto conn = std::make_shared<ConnectionFlags>();
  auto path = std::make_shared<std::string>();
  backup->add_option("path", *path, "absolute path on the coordinator's host")->required();
  backup->add_option("--coordinator", conn->coordinator, "HOST:PORT");
  backup->add_option("--token", conn->token, "admin bearer token");
  backup->add_option("--token-file", conn->token_file, "file holding the admin token");
  backup->add_option("--tls-ca", conn->tls_ca, "CA of the coordinator's TLS certificate");
  backup->callback([conn, path, &ctx] { ctx.exit_code = Backup(*conn, *path); });
}

}  // namespace cascade::cli
