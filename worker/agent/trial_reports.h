// The session messages a trial produces, built from the trainer's reports (rank 0 sends step
// metrics, validations and checkpoint notices; every rank its end of the trial).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "cascade/v1/worker_service.pb.h"
#include "worker/trainer/training_loop.h"

namespace cascade::worker {

// Means of the steps since the last report; a report is due once `period` has passed since the
// previous one (the first step always reports), so a slow run reports every step.
class StepAggregator {
 public:
  using Clock = std::chrono::steady_clock;
  StepAggregator(const v1::Assignment& assignment, int64_t batch,
                 std::chrono::milliseconds period = std::chrono::seconds(1))
      : assignment_(assignment), batch_(batch), period_(period) {}

  // Adds a step; returns a report when one is due.
  std::optional<v1::WorkerMessage> Add(const trainer::StepReport& report, Clock::time_point now);
  // The steps not reported yet, if any (end of an epoch or of the trial).
  std::optional<v1::WorkerMessage> Flush(Clock::time_point now);

 private:
  const v1::Assignment& assignment_;
  const int64_t batch_;
  const std::chrono::milliseconds period_;
  Clock::time_point last_sent_{};  // the clock's epoch: the first step reports at once
  int32_t n_ = 0;
  double d_real_ = 0, d_fake_ = 0, g_ = 0, seconds_ = 0;
  trainer::StepReport last_;
};

v1::WorkerMessage ValidationMessage(const v1::Assignment& assignment,
                                    const trainer::EpochReport& report, int64_t step);
v1::WorkerMessage CheckpointMessage(const v1::Assignment& assignment, const std::string& path,
                                    int32_t epoch, int64_t step);
v1::WorkerMessage FailureMessage(const v1::Assignment& assignment, v1::FailureKind kind,
                                 const absl::Status& status, int64_t step);
v1::WorkerMessage FinishedMessage(const v1::Assignment& assignment, int32_t epochs, int64_t steps);
v1::WorkerMessage SuspendedMessage(const v1::Assignment& assignment, v1::SuspendCause cause,
                                   const std::string& message, int64_t committed_step,
                                   int64_t step);
v1::WorkerMessage StartedMessage(const v1::Assignment& assignment, int64_t start_step,
                                 const v1::Provenance& provenance);

}  // namespace cascade::worker
