#include "common/rpc/authenticator.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

namespace cascade::rpc {
namespace {

// A change signature of the file: mtime alone misses two writes within one timestamp tick (file
// times come from a coarse clock), so the inode (SaveFile renames a new file into place) and the
// size take part too.
int64_t MtimeNs(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  const int64_t mtime =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return mtime ^ (static_cast<int64_t>(st.st_ino) << 20) ^ (static_cast<int64_t>(st.st_size) << 44);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(
    const std::string& token_file) {
  absl::StatusOr<TokenRegistry> registry = TokenRegistry::LoadFile(token_file);
  if (!registry.ok()) return registry.status();
  auto auth = std::make_unique<Authenticator>(std::move(*registry));
  auth->token_file_ = token_file;
  auth->file_mtime_ns_ = MtimeNs(token_file);
  auth->last_check_ = absl::Now();
  return auth;
}

Authenticator::Authenticator(TokenRegistry registry)
    : registry_(std::make_shared<const TokenRegistry>(std::move(registry))) {}

std::shared_ptr<const TokenRegistry> Authenticator::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_file_.empty()) return registry_;
  const absl::Time now = absl::Now();
  if (now - last_check_ < absl::Seconds(1)) return registry_;
  last_check_ = now;
  const int64_t mtime = MtimeNs(token_file_);
  if (mtime == file_mtime_ns_) return registry_;
  file_mtime_ns_ = mtime;
  absl::StatusOr<TokenRegistry> fresh = TokenRegistry::LoadFile(token_file_);
  if (!fresh.ok()) {
    spdlog::error("token file reload failed, keeping the previous tokens: {}",
                  std::string(fresh.status().message()));
    return registry_;
  }
  registry_ = std::make_shared<const TokenRegistry>(std::move(*fresh));
  spdlog::info("token file {} reloaded: {} tokens", token_file_, registry_->entries().size());
  return registry_;
}

absl::StatusOr<Principal> Authenticator::Authorize(const grpc::ServerContextBase& context,
                                                   std::initializer_list<Role> allowed,
                                                   std::string_view method) {
  return Current()->Authorize(context, allowed, method);
}

}  // namespace cascade::rpc
