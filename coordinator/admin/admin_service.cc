#include "coordinator/admin/admin_service.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/rpc/grpc_status.h"
#include "coordinator/state/state_store.h"

namespace cascade::coordinator {

AdminServiceImpl::AdminServiceImpl(rpc::Authenticator& auth, std::string state_path)
    : auth_(auth), state_path_(std::move(state_path)) {}

grpc::Status AdminServiceImpl::Backup(grpc::ServerContext* context,
                                      const v1::BackupRequest* request,
                                      v1::BackupResponse* response) {
  absl::StatusOr<rpc::Principal> who = auth_.Authorize(*context, {rpc::Role::kAdmin}, "Backup");
  if (!who.ok()) return rpc::ToGrpcStatus(who.status());
  const std::filesystem::path path(request->path());
  if (path.empty() || !path.is_absolute()) {
    return rpc::ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "path \"", request->path(), "\": must be absolute (a file on the coordinator's host)")));
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return rpc::ToGrpcStatus(absl::AlreadyExistsError(
        absl::StrCat("path ", request->path(), ": exists; not overwritten")));
  }
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(state_path_);
  if (!store.ok()) return rpc::ToGrpcStatus(store.status());
  if (absl::Status st = (*store)->BackupTo(path.string()); !st.ok()) {
    return rpc::ToGrpcStatus(
        absl::InternalError(absl::StrCat("backup to ", request->path(), ": ", st.message())));
  }
  response->set_path(path.string());
  response->set_bytes(static_cast<int64_t>(std::filesystem::file_size(path, ec)));
  spdlog::info("state backup by {} to {} ({} bytes)", who->name, path.string(), response->bytes());
  return grpc::Status::OK;
}

}  // namespace cascade::coordinator
