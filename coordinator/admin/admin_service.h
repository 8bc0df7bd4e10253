// AdminServiceImpl: operator RPCs (role admin). Backup opens its own connection to the state file
// and uses SQLite's online backup, so a copy is consistent while the coordinator keeps writing
// (WAL readers never block the writer) and the Coordinator's lock is never taken.
#pragma once

#include <string>

#include "cascade/v1/admin_service.grpc.pb.h"
#include "common/rpc/authenticator.h"

namespace cascade::coordinator {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(rpc::Authenticator& auth, std::string state_path);

  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  rpc::Authenticator& auth_;
  const std::string state_path_;
};

}  // namespace cascade::coordinator
