// SessionReactor: one worker's Session stream (callback API). The first message must be `hello`:
// it attaches a SessionSink that queues CoordinatorMessages (OutboundQueue; the WritePump writes
// them one at a time). Every later message goes to Coordinator::HandleWorkerMessage; the end of
// the stream (client gone, half-close, network error) to Coordinator::CloseSession. Sink::Close
// finishes the stream with the Coordinator's status. gRPC owns the reactor: it deletes itself in
// OnDone; the sink may outlive it inside the Coordinator and then only drops messages.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cascade/v1/worker_service.pb.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/service/outbound_queue.h"

namespace cascade::coordinator {

class WorkerServiceImpl;

class SessionReactor final
    : public grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>,
      public OutboundQueue<v1::CoordinatorMessage>::Target {
 public:
  explicit SessionReactor(WorkerServiceImpl* service);

  // Names of WorkerMessage kinds, as used in the metric "WorkerService/Session.<kind>".
  static std::vector<std::string> MessageKinds();

  // `auth` is the result of authorizing the call: not OK finishes the stream with it.
  void Start(const absl::Status& auth);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  void StartWriteOp(const v1::CoordinatorMessage* message) override;
  void FinishOp(const grpc::Status& status) override;

 private:
  class Sink;

  void HandleHello();
  void HandleMessage();
  void ReadNext();
  void End(const grpc::Status& status);

  WorkerServiceImpl* const service_;
  std::shared_ptr<OutboundQueue<v1::CoordinatorMessage>> queue_;
  std::shared_ptr<Sink> sink_;
  v1::WorkerMessage in_;
  std::string worker_id_;  // set by hello
  uint64_t session_id_ = 0;
  bool opened_ = false;  // OpenSession succeeded
  bool ended_ = false;   // End ran (reactions of one stream never run concurrently for reads)
  bool warned_ = false;  // one warning per session for rejected messages
};

}  // namespace cascade::coordinator
