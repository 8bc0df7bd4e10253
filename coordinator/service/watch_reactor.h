// WatchReactor: one WatchScan stream. Subscribes a ScanWatcher that only queues events
// (OutboundQueue) — the Coordinator calls it with its lock held — and ends the stream after the
// event that shows the scan in a terminal state. Client cancellation (or a failed write)
// unsubscribes with Coordinator::Unwatch from a gRPC reaction, never under the Coordinator lock.
// gRPC owns the reactor: it deletes itself in OnDone.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "cascade/v1/user_service.pb.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/outbound_queue.h"

namespace cascade::coordinator {

class WatchReactor final : public grpc::ServerWriteReactor<v1::ScanEvent>,
                           public OutboundQueue<v1::ScanEvent>::Target {
 public:
  WatchReactor(Coordinator* coordinator, WritePump* pump, size_t max_queued);

  // `auth` is the result of authorizing the call: not OK finishes the stream with it.
  void Start(const absl::Status& auth, const v1::WatchScanRequest& request);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  void StartWriteOp(const v1::ScanEvent* event) override;
  void FinishOp(const grpc::Status& status) override;

 private:
  void Unsubscribe();

  Coordinator* const coordinator_;
  std::shared_ptr<OutboundQueue<v1::ScanEvent>> queue_;
  std::mutex mu_;
  std::optional<int64_t> watch_id_;  // set while subscribed
};

}  // namespace cascade::coordinator
