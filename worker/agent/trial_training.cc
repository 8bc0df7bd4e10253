// TrialRunner::Train: one generation of one trial on this worker — data, group, TrainingLoop,
// the per-step agreement of the group and what the worker reports at the end (trial_runner.h).
#include <spdlog/spdlog.h>

#include <array>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "worker/agent/assignment_options.h"
#include "worker/agent/provenance.h"
#include "worker/agent/simulated_data.h"
#include "worker/agent/trial_reports.h"
#include "worker/agent/trial_runner.h"
#include "worker/agent/worker_info.h"
#include "worker/collective/gloo_collective.h"
#include "worker/collective/grpc_store.h"
#include "worker/trainer/gan_health_guard.h"

namespace cascade::worker {
namespace {

// The group's per-step agreement, summed over ranks.
enum Flag { kStop, kAbort, kLeave, kRegroup, kUnhealthy, kNumFlags };

absl::StatusOr<std::vector<std::string>> ResolveData(const v1::DataSource& data,
                                                     const AgentOptions& options) {
  if (!data.has_simulate()) return ExpandDataFiles(data);
  const std::string cache = options.data_cache.empty() ? DefaultDataCache() : options.data_cache;
  auto dir = EnsureSimulatedData(data.simulate(), cache, options.threads);
  if (!dir.ok()) return dir.status();
  return std::vector<std::string>{*dir};
}

}  // namespace

void TrialRunner::Suspend(const v1::Assignment& a, std::shared_ptr<const gan::Checkpoint> commit,
                          v1::SuspendCause cause, const std::string& message, int64_t step) {
  const int64_t committed = commit ? commit->step : 0;
  spdlog::warn("trial {} gen {} rank {}: suspended at commit step {} ({}): {}", a.trial_id(),
               a.generation(), a.rank(), committed, v1::SuspendCause_Name(cause), message);
  v1::WorkerMessage report = SuspendedMessage(a, cause, message, committed, step);
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = Held{a, std::move(commit), report};
    committed_step_ = committed;
  }
  outbox_.Push(std::move(report));
}

void TrialRunner::Train(const v1::Assignment& a, std::shared_ptr<const gan::Checkpoint> commit) {
  const std::string who = absl::StrCat("trial ", a.trial_id(), " gen ", a.generation(), " rank ",
                                       a.rank(), "/", a.world_size());
  int32_t epochs = commit ? static_cast<int32_t>(commit->epoch) : 0;
  int64_t steps = commit ? commit->step : 0;
  std::shared_ptr<const gan::Checkpoint> latest = commit;  // newest commit of this trial
  auto report_failure = [&](v1::FailureKind kind, const absl::Status& status) {
    if (abort_) {
      spdlog::info("{}: dropped ({})", who, std::string(status.message()));
      return;
    }
    const std::string text(status.message());
    if (latest && !leave_ &&
        (kind == v1::FAILURE_KIND_PEER_LOST || kind == v1::FAILURE_KIND_RENDEZVOUS)) {
      return Suspend(a, latest, v1::SUSPEND_CAUSE_PEER_FAILED, text, steps);
    }
    if (latest && !leave_ && kind == v1::FAILURE_KIND_NON_FINITE) {
      return Suspend(a, latest, v1::SUSPEND_CAUSE_UNHEALTHY, text, steps);
    }
    spdlog::error("{}: {} failure: {}", who, v1::FailureKind_Name(kind), text);
    outbox_.Push(FailureMessage(a, kind, status, steps));
  };

  auto files = ResolveData(a.data(), options_);
  if (!files.ok()) return report_failure(v1::FAILURE_KIND_DATA, files.status());
  const std::vector<std::string> data_files = *files;
  auto training = ToTrainingOptions(a, *std::move(files));
  if (!training.ok()) return report_failure(v1::FAILURE_KIND_INTERNAL, training.status());
  if (a.rank() != 0) training->out_dir.clear();  // rank 0 owns checkpoints and metrics
  training->commit_every_steps = a.commit_every_steps();
  training->lr_scale = a.lr_scale() > 0 ? a.lr_scale() : 1.0;
  if (a.in_place_step() > 0) {
    // Rank 0's commit is the group's state; the others take it from the broadcast.
    training->resume.clear();
    if (a.rank() == 0 && !commit) {
      return report_failure(v1::FAILURE_KIND_INTERNAL,
                            absl::FailedPreconditionError(
                                absl::StrCat(who, ": rank 0 of an in-place regroup at step ",
                                             a.in_place_step(), " holds no commit")));
    }
    if (a.rank() == 0) training->resume_state = commit;
  }

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
    go.algorithm = options_.algorithm;
    go.diagnosis_grace = std::chrono::seconds(1);  // the coordinator decides who is lost
    go.prefix = a.rendezvous_prefix();
    auto connected = collective::ConnectGloo(*store, go);
    if (!connected.ok()) return report_failure(v1::FAILURE_KIND_RENDEZVOUS, connected.status());
    group = *std::move(connected);
  }

  trainer::TrainingLoop loop(*training, *group);
  StepAggregator aggregator(a, training->batch);
  trainer::GanHealthGuard guard;
  std::string finding;  // rank 0's health guard verdict
  std::future<absl::StatusOr<std::map<std::string, std::string>>> hashing;
  v1::Provenance provenance = BaseProvenance(a, options_, cpu_isa_);
  bool started = false;
  auto report_started = [&](int64_t start_step) {
    if (started) return;
    started = true;
    steps = start_step;
    if (a.rank() != 0) return;
    if (hashed_trial_ == a.trial_id()) {
      provenance.mutable_dataset_sha256()->insert(hashes_.begin(), hashes_.end());
    } else {
      hashing = std::async(std::launch::async, HashDataFiles, data_files);
    }
    outbox_.Push(StartedMessage(a, start_step, provenance));
  };
  auto report_hashes = [&](bool wait) {
    if (!hashing.valid()) return;
    if (!wait && hashing.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    auto hashes = hashing.get();
    if (!hashes.ok()) {
      spdlog::warn("{}: provenance without data hashes: {}", who,
                   std::string(hashes.status().message()));
      return;
    }
    hashed_trial_ = a.trial_id();
    hashes_ = *std::move(hashes);
    provenance.mutable_dataset_sha256()->insert(hashes_.begin(), hashes_.end());
    outbox_.Push(StartedMessage(a, loop.start_step(), provenance));
  };
  absl::Status group_error;
  loop.on_commit = [&](std::shared_ptr<const gan::Checkpoint> c) {
    report_started(c->step);
    latest = std::move(c);
    RecordCommit(latest->step);
  };
  loop.on_step = [&](const trainer::StepReport& r) {
    report_started(r.step - 1);
    steps = r.step;
    RecordStep(r.step, r.compute_seconds + r.allreduce_seconds, r.allreduce_seconds);
    if (a.rank() != 0) return;
    if (finding.empty()) {
      if (auto f = guard.Observe(r.losses, r.step)) finding = *std::move(f);
    }
    if (auto m = aggregator.Add(r, StepAggregator::Clock::now())) outbox_.Push(*std::move(m));
    report_hashes(/*wait=*/false);
  };
  loop.on_checkpoint = [&](const std::string& path, int64_t done_epochs, int64_t step) {
    outbox_.Push(CheckpointMessage(a, path, static_cast<int32_t>(done_epochs), step));
  };
  loop.on_epoch = [&](const trainer::EpochReport& r) {
    epochs = static_cast<int32_t>(r.epoch + 1);
    if (a.rank() != 0) return;
    if (auto m = aggregator.Flush(StepAggregator::Clock::now())) outbox_.Push(*std::move(m));
    if (r.validated) outbox_.Push(ValidationMessage(a, r, steps));
    if (!r.checkpoint.empty()) outbox_.Push(CheckpointMessage(a, r.checkpoint, epochs, steps));
  };
  std::array<float, kNumFlags> decided{};
  loop.should_stop = [&] {
    // Every rank asks at the same step, so the whole group leaves at the same step.
    std::array<float, kNumFlags> flags = {stop_ ? 1.f : 0.f, abort_ ? 1.f : 0.f, leave_ ? 1.f : 0.f,
                                          regroup_ ? 1.f : 0.f, finding.empty() ? 0.f : 1.f};
    if (group->world() > 1) {
      if (absl::Status st = group->AllreduceSum(flags); !st.ok()) {
        group_error = st;
        return true;
      }
      if (flags[kAbort] > 0 && !abort_) {
        group_error = absl::UnavailableError(
            absl::StrCat(who, ": a peer left the group (its assignment was replaced or dropped)"));
      }
    }
    decided = flags;
    for (float f : flags) {
      if (f > 0) return true;
    }
    return false;
  };

  absl::Status status = loop.Run();
  if (status.ok()) status = group_error;
  if (a.rank() == 0 && !abort_) {
    if (auto m = aggregator.Flush(StepAggregator::Clock::now())) outbox_.Push(*std::move(m));
  }
  auto finish_group = [&] {
    if (group->world() <= 1) return;
    // The documented shutdown: nobody closes sockets under a peer still receiving.
    if (absl::Status st = group->Barrier(); !st.ok()) {
      spdlog::warn("{}: final barrier: {}", who, std::string(st.message()));
    }
  };
  if (!status.ok()) {
    report_failure(FailureKindFor(status), status);
  } else if (abort_) {
    spdlog::info("{}: dropped at step {}", who, steps);
  } else if (decided[kUnhealthy] > 0) {
    finish_group();
    Suspend(a, latest, v1::SUSPEND_CAUSE_UNHEALTHY,
            finding.empty() ? "rank 0's GAN health guard" : finding, steps);
  } else if (decided[kLeave] > 0 || decided[kRegroup] > 0) {
    auto now = loop.CommitNow();
    if (!now.ok()) {
      report_failure(v1::FAILURE_KIND_INTERNAL, now.status());
    } else {
      latest = *std::move(now);
      RecordCommit(latest->step);
      if (decided[kLeave] > 0 && a.rank() == 0) {
        // Insurance for a group that drains below min_workers: nothing done is lost.
        auto path = loop.CheckpointNow();
        if (path.ok() && !path->empty()) {
          outbox_.Push(CheckpointMessage(a, *path, epochs, steps));
        } else if (!path.ok()) {
          spdlog::warn("{}: drain checkpoint: {}", who, std::string(path.status().message()));
        }
      }
      finish_group();
      if (leave_) {
        spdlog::info("{}: left the group at step {} (drain)", who, steps);
      } else {
        Suspend(a, latest,
                decided[kLeave] > 0 ? v1::SUSPEND_CAUSE_PEER_LEFT : v1::SUSPEND_CAUSE_REGROUP,
                decided[kLeave] > 0 ? "a member drained" : "the coordinator regroups", steps);
      }
    }
  } else {
    bool checkpoint = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      checkpoint = stop_checkpoint_;
    }
    if (loop.stopped() && checkpoint && a.rank() == 0) {
      auto path = loop.CheckpointNow();
      if (!path.ok()) {
        report_failure(v1::FAILURE_KIND_CHECKPOINT, path.status());
        report_hashes(/*wait=*/true);
        return;
      }
      if (!path->empty()) outbox_.Push(CheckpointMessage(a, *path, epochs, steps));
    }
    finish_group();
    spdlog::info("{}: finished after {} epochs, step {}{}", who, epochs, steps,
                 loop.stopped() ? " (stopped)" : "");
    outbox_.Push(FinishedMessage(a, epochs, steps));
  }
  report_hashes(/*wait=*/true);
}

}  // namespace cascade::worker
