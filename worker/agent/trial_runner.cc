#include "worker/agent/trial_runner.h"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "worker/agent/assignment_options.h"
#include "worker/agent/simulated_data.h"
#include "worker/agent/trial_reports.h"
#include "worker/agent/worker_info.h"
#include "worker/collective/gloo_collective.h"
#include "worker/collective/grpc_store.h"

namespace cascade::worker {
namespace {

bool SameSlot(const v1::Assignment& a, const v1::Assignment& b) {
  return a.trial_id() == b.trial_id() && a.generation() == b.generation() && a.rank() == b.rank();
}

absl::StatusOr<std::vector<std::string>> ResolveData(const v1::DataSource& data,
                                                     const AgentOptions& options) {
  if (!data.has_simulate()) return ExpandDataFiles(data);
  const std::string cache = options.data_cache.empty() ? DefaultDataCache() : options.data_cache;
  auto dir = EnsureSimulatedData(data.simulate(), cache, options.threads);
  if (!dir.ok()) return dir.status();
  return std::vector<std::string>{*dir};
}

}  // namespace

TrialRunner::TrialRunner(const AgentOptions& options, Outbox& outbox,
                         std::shared_ptr<grpc::Channel> channel,
                         std::function<std::string()> worker_id, std::function<void()> on_idle)
    : options_(options),
      outbox_(outbox),
      channel_(std::move(channel)),
      worker_id_(std::move(worker_id)),
      on_idle_(std::move(on_idle)),
      thread_([this] { Loop(); }) {}

TrialRunner::~TrialRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    abort_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TrialRunner::Start(v1::Assignment assignment) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && SameSlot(*current_, assignment) && !abort_) {
    spdlog::info("assignment {} gen {} rank {} is already running", assignment.trial_id(),
                 assignment.generation(), assignment.rank());
    return;
  }
  if (current_) abort_ = true;  // replaced (regroup or another trial): no report for the old one
  spdlog::info("assignment: trial {} gen {} rank {}/{}", assignment.trial_id(),
               assignment.generation(), assignment.rank(), assignment.world_size());
  pending_ = std::move(assignment);
  cv_.notify_all();
}

void TrialRunner::Stop(const v1::StopTrial& stop) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_ && pending_->trial_id() == stop.trial_id()) {
    outbox_.Push(FinishedMessage(*pending_, 0, 0));  // never started
    pending_.reset();
  }
  if (current_ && current_->trial_id() == stop.trial_id()) {
    spdlog::info("stop trial {} (checkpoint {}): {}", stop.trial_id(), stop.checkpoint(),
                 stop.reason());
    stop_checkpoint_ = stop.checkpoint();
    stop_ = true;
  }
}

void TrialRunner::Abort() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.reset();
  if (current_) abort_ = true;
}

std::optional<v1::Assignment> TrialRunner::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ && !abort_ ? current_ : pending_;
}

bool TrialRunner::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_.has_value() || pending_.has_value();
}

v1::Heartbeat TrialRunner::TakeHeartbeat() {
  std::lock_guard<std::mutex> lock(mu_);
  v1::Heartbeat hb;
  if (current_) {
    hb.set_trial_id(current_->trial_id());
    hb.set_generation(current_->generation());
    hb.set_rank(current_->rank());
    hb.set_step(step_);
  }
  if (timed_steps_ > 0) {
    hb.mutable_timing()->set_step_seconds_mean(static_cast<float>(step_seconds_ / timed_steps_));
    hb.mutable_timing()->set_allreduce_wait_seconds_mean(
        static_cast<float>(allreduce_seconds_ / timed_steps_));
    hb.mutable_timing()->set_steps(timed_steps_);
  }
  step_seconds_ = allreduce_seconds_ = 0;
  timed_steps_ = 0;
  return hb;
}

void TrialRunner::RecordStep(int64_t step, double step_seconds, double allreduce_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  step_ = step;
  step_seconds_ += step_seconds;
  allreduce_seconds_ += allreduce_seconds;
  ++timed_steps_;
}

void TrialRunner::Loop() {
  if (options_.threads > 0) omp_set_num_threads(options_.threads);  // this thread's OpenMP team
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return shutdown_ || pending_.has_value(); });
    if (shutdown_) return;
    current_ = std::move(pending_);
    pending_.reset();
    stop_ = false;
    abort_ = false;
    stop_checkpoint_ = false;
    step_ = 0;
    const v1::Assignment assignment = *current_;
    lock.unlock();
    Train(assignment);
    lock.lock();
    current_.reset();
    if (!pending_ && !shutdown_) {
      lock.unlock();
      on_idle_();
      lock.lock();
    }
  }
}

void TrialRunner::Train(const v1::Assignment& a) {
  const std::string who = absl::StrCat("trial ", a.trial_id(), " gen ", a.generation(), " rank ",
                                       a.rank(), "/", a.world_size());
  int32_t epochs = 0;
  int64_t steps = 0;
  auto report_failure = [&](v1::FailureKind kind, const absl::Status& status) {
    if (abort_) {
      spdlog::info("{}: dropped ({})", who, std::string(status.message()));
      return;
    }
    spdlog::error("{}: {} failure: {}", who, v1::FailureKind_Name(kind),
                  std::string(status.message()));
    outbox_.Push(FailureMessage(a, kind, status, steps));
  };

  auto files = ResolveData(a.data(), options_);
  if (!files.ok()) return report_failure(v1::FAILURE_KIND_DATA, files.status());
  auto training = ToTrainingOptions(a, *std::move(files));
  if (!training.ok()) return report_failure(v1::FAILURE_KIND_INTERNAL, training.status());
  if (a.rank() != 0) training->out_dir.clear();  // rank 0 owns checkpoints and metrics

  std::unique_ptr<collective::GrpcStore> store;
  std::unique_ptr<collective::Collective> group;
  if (a.world_size() <= 1) {
    group = collective::MakeLocalCollective();
  } else {
    const auto timeout =
        std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_seconds * 1000));
    store = std::make_unique<collective::GrpcStore>(
        channel_,
        collective::GrpcStoreOptions{
            .token = options_.coordinator.token, .worker_id = worker_id_(), .timeout = timeout});
    collective::GlooOptions go;
    go.rank = a.rank();
    go.world = a.world_size();
    go.hostname = DataPlaneHost(options_);
    go.iface = options_.iface;
    go.timeout = timeout;
    go.prefix = a.rendezvous_prefix();
    auto connected = collective::ConnectGloo(*store, go);
    if (!connected.ok()) return report_failure(v1::FAILURE_KIND_RENDEZVOUS, connected.status());
    group = *std::move(connected);
  }

  trainer::TrainingLoop loop(*training, *group);
  StepAggregator aggregator(a, training->batch);
  absl::Status group_error;
  loop.on_step = [&](const trainer::StepReport& r) {
    steps = r.step;
    RecordStep(r.step, r.compute_seconds + r.allreduce_seconds, r.allreduce_seconds);
    if (a.rank() != 0) return;
    if (auto m = aggregator.Add(r, StepAggregator::Clock::now())) outbox_.Push(*std::move(m));
  };
  loop.on_epoch = [&](const trainer::EpochReport& r) {
    epochs = static_cast<int32_t>(r.epoch + 1);
    if (a.rank() != 0) return;
    if (auto m = aggregator.Flush(StepAggregator::Clock::now())) outbox_.Push(*std::move(m));
    if (r.validated) outbox_.Push(ValidationMessage(a, r, steps));
    if (!r.checkpoint.empty()) outbox_.Push(CheckpointMessage(a, r.checkpoint, epochs, steps));
  };
  loop.should_stop = [&] {
    // [stop, abort] counts over the group: every rank asks at the same step, so the group
    // leaves at the same step.
    std::array<float, 2> flags = {stop_ ? 1.f : 0.f, abort_ ? 1.f : 0.f};
    if (group->world() > 1) {
      if (absl::Status st = group->AllreduceSum(flags); !st.ok()) {
        group_error = st;
        return true;
      }
      if (flags[1] > 0 && !abort_) {
        group_error = absl::UnavailableError(
            absl::StrCat(who, ": a peer left the group (its assignment was replaced or dropped)"));
      }
    }
    return flags[0] + flags[1] > 0;
  };
  absl::Status status = loop.Run();
  if (status.ok()) status = group_error;
  if (a.rank() == 0 && !abort_) {
    if (auto m = aggregator.Flush(StepAggregator::Clock::now())) outbox_.Push(*std::move(m));
  }
  if (!status.ok()) return report_failure(FailureKindFor(status), status);
  if (abort_) {
    spdlog::info("{}: dropped at step {}", who, steps);
    return;
  }
  bool checkpoint = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkpoint = stop_checkpoint_;
  }
  if (loop.stopped() && checkpoint && a.rank() == 0) {
    auto path = loop.CheckpointNow();
    if (!path.ok()) return report_failure(v1::FAILURE_KIND_CHECKPOINT, path.status());
    if (!path->empty()) outbox_.Push(CheckpointMessage(a, *path, epochs, steps));
  }
  if (group->world() > 1) {
    // The documented shutdown: nobody closes sockets under a peer still receiving.
    if (absl::Status st = group->Barrier(); !st.ok()) {
      spdlog::warn("{}: final barrier: {}", who, std::string(st.message()));
    }
  }
  spdlog::info("{}: finished after {} epochs, step {}{}", who, epochs, steps,
               loop.stopped() ? " (stopped)" : "");
  outbox_.Push(FinishedMessage(a, epochs, steps));
}

}  // namespace cascade::worker
