#include "coordinator/service/watch_reactor.h"

#include "common/rpc/grpc_status.h"

namespace cascade::coordinator {
namespace {

bool IsTerminal(v1::ScanState state) {
  return state == v1::SCAN_STATE_COMPLETED || state == v1::SCAN_STATE_CANCELED ||
         state == v1::SCAN_STATE_FAILED;
}

}  // namespace

WatchReactor::WatchReactor(Coordinator* coordinator, WritePump* pump, size_t max_queued)
    : coordinator_(coordinator),
      queue_(std::make_shared<OutboundQueue<v1::ScanEvent>>(pump, this, max_queued)) {}

void WatchReactor::Start(const absl::Status& auth, const v1::WatchScanRequest& request) {
  if (!auth.ok()) {
    queue_->RequestFinish(rpc::ToGrpcStatus(auth));
    return;
  }
  // The watcher may outlive this reactor inside the Coordinator until Unwatch; it holds only the
  // queue, which ignores pushes once the stream is finishing.
  std::shared_ptr<OutboundQueue<v1::ScanEvent>> queue = queue_;
  ScanWatcher watcher = [queue](const v1::ScanEvent& event) {
    if (!queue->Push(event)) return false;
    if (event.has_scan() && IsTerminal(event.scan().state())) {
      queue->RequestFinish(grpc::Status::OK);
      return false;
    }
    return true;
  };
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<int64_t> id = coordinator_->Watch(request, std::move(watcher));
  if (!id.ok()) {
    queue_->RequestFinish(rpc::ToGrpcStatus(id.status()));
    return;
  }
  watch_id_ = *id;
}

void WatchReactor::Unsubscribe() {
  std::optional<int64_t> id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id.swap(watch_id_);
  }
  if (id.has_value()) coordinator_->Unwatch(*id);
}

void WatchReactor::OnWriteDone(bool ok) { queue_->OnWriteDone(ok); }

void WatchReactor::OnCancel() {
  Unsubscribe();
  queue_->RequestFinish(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
}

void WatchReactor::OnDone() {
  Unsubscribe();
  delete this;
}

void WatchReactor::StartWriteOp(const v1::ScanEvent* event) { StartWrite(event); }

void WatchReactor::FinishOp(const grpc::Status& status) { Finish(status); }

}  // namespace cascade::coordinator
