#include "common/rpc/token_registry.h"

#include <fcntl.h>
#include <grpcpp/server_context.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace cascade::rpc {
namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

absl::StatusOr<TokenEntry> ParseEntry(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) return absl::InvalidArgumentError(absl::StrCat(where, ": must be a mapping"));
  static const std::set<std::string> kKnown = {"name", "role", "sha256", "expires", "revoked"};
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!kKnown.count(key)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", key, ": unknown field"));
    }
  }
  TokenEntry e;
  for (const char* required : {"name", "role", "sha256"}) {
    if (!node[required] || !node[required].IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", required, ": required"));
    }
  }
  e.name = node["name"].as<std::string>();
  if (e.name.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ".name: empty"));
  absl::StatusOr<Role> role = ParseRole(node["role"].as<std::string>());
  if (!role.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".role: ", role.status().message()));
  }
  e.role = *role;
  e.sha256_hex = node["sha256"].as<std::string>();
  if (!IsSha256Hex(e.sha256_hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".sha256: must be 64 lower-case hex digits (HashToken)"));
  }
  if (node["expires"]) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, node["expires"].as<std::string>(), &e.expires, &err)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".expires: not an RFC 3339 time (", err, ")"));
    }
  }
  if (node["revoked"]) e.revoked = node["revoked"].as<bool>();
  return e;
}

}  // namespace

TokenRegistry::TokenRegistry(std::vector<TokenEntry> entries) : entries_(std::move(entries)) {
  for (size_t i = 0; i < entries_.size(); ++i) by_hash_[entries_[i].sha256_hex] = i;
}

absl::StatusOr<TokenRegistry> TokenRegistry::LoadFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("token file ", path, ": does not exist"));
  }
  std::vector<TokenEntry> entries;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["tokens"] || !root["tokens"].IsSequence()) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file ", path, ": tokens: required (a list)"));
    }
    std::set<std::string> names;
    for (size_t i = 0; i < root["tokens"].size(); ++i) {
      const std::string where = absl::StrCat("token file ", path, ": tokens[", i, "]");
      absl::StatusOr<TokenEntry> e = ParseEntry(root["tokens"][i], where);
      if (!e.ok()) return e.status();
      if (!names.insert(e->name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".name: duplicate name \"", e->name, "\""));
      }
      entries.push_back(std::move(*e));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", path, ": ", e.what()));
  }
  return TokenRegistry(std::move(entries));
}

absl::Status TokenRegistry::SaveFile(const std::string& path) const {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "tokens" << YAML::Value << YAML::BeginSeq;
  for (const TokenEntry& e : entries_) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << e.name << YAML::Key << "role"
        << YAML::Value << RoleName(e.role) << YAML::Key << "sha256" << YAML::Value << e.sha256_hex;
    if (e.expires != absl::InfiniteFuture()) {
      out << YAML::Key << "expires" << YAML::Value
          << absl::FormatTime(absl::RFC3339_sec, e.expires, absl::UTCTimeZone());
    }
    if (e.revoked) out << YAML::Key << "revoked" << YAML::Value << true;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  // Write beside, then rename: a coordinator re-reading the file never sees half of it.
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::InvalidArgumentError(absl::StrCat("token file ", tmp, ": cannot write"));
  const std::string text = std::string(out.c_str()) + "\n";
  const bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("token file ", path, ": write failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> TokenRegistry::Lookup(std::string_view token, absl::Time now) const {
  auto it = by_hash_.find(HashToken(token));
  if (it == by_hash_.end()) return absl::UnauthenticatedError("unknown bearer token");
  const TokenEntry& e = entries_[it->second];
  if (e.revoked) return absl::UnauthenticatedError("bearer token revoked");
  if (now >= e.expires) return absl::UnauthenticatedError("bearer token expired");
  return Principal{e.name, e.role};
}

absl::StatusOr<Principal> TokenRegistry::Authorize(const grpc::ServerContextBase& context,
                                                   std::initializer_list<Role> allowed,
                                                   std::string_view method) const {
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError(absl::StrCat(
        std::string(method), ": no authorization metadata (send 'authorization: Bearer <token>')"));
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ") || value.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat(std::string(method), ": authorization metadata is not 'Bearer <token>'"));
  }
  absl::StatusOr<Principal> who = Lookup(std::string_view(value.data(), value.size()));
  if (!who.ok())
    return absl::UnauthenticatedError(
        absl::StrCat(std::string(method), ": ", who.status().message()));
  std::vector<std::string> names;
  for (Role r : allowed) {
    if (who->role == r || (who->role == Role::kAdmin && r == Role::kUser)) return who;
    names.push_back(RoleName(r));
  }
  return absl::PermissionDeniedError(absl::StrCat(std::string(method), ": token \"", who->name,
                                                  "\" has role ", RoleName(who->role), "; needs ",
                                                  absl::StrJoin(names, " or ")));
}

std::string GenerateToken() {
  std::random_device os_entropy;  // /dev/urandom on Linux
  unsigned char bytes[32];
  for (auto& b : bytes) b = static_cast<unsigned char>(os_entropy());
  return Hex(bytes, sizeof bytes);
}

std::string HashToken(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(token.data(), token.size(), digest, &n, EVP_sha256(), nullptr);
  return Hex(digest, n);
}

}  // namespace cascade::rpc
