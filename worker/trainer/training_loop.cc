#include "worker/trainer/training_loop.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/physics/validate.h"
#include "common/status_macros.h"
#include "worker/trainer/progress_bar.h"
#include "worker/trainer/training_loop_state.h"

namespace cascade::trainer {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void Accumulate(gan::LossTerms& sum, const gan::LossTerms& t) {
  sum.total += t.total;
  sum.bce += t.bce;
  sum.aux += t.aux;
  sum.ecal += t.ecal;
}
gan::LossTerms Scaled(gan::LossTerms t, double k) {
  t.total *= k;
  t.bce *= k;
  t.aux *= k;
  t.ecal *= k;
  return t;
}
nlohmann::json ToJson(const gan::LossTerms& t) {
  return {{"total", t.total}, {"bce", t.bce}, {"aux_mape", t.aux}, {"ecal_mape", t.ecal}};
}

}  // namespace

TrainingLoop::TrainingLoop(TrainingOptions options, collective::Collective& collective)
    : options_(std::move(options)), collective_(collective), state_(std::make_unique<State>()) {}
TrainingLoop::~TrainingLoop() = default;

gan::GanTrainer& TrainingLoop::trainer() { return *state_->trainer; }
int64_t TrainingLoop::start_step() const { return state_->start_step; }

absl::Status TrainingLoop::Setup() {
  auto& s = *state_;
  CASCADE_ASSIGN_OR_RETURN(auto dataset, data::ShowerDataset::Open(options_.data));
  s.dataset.emplace(std::move(dataset));
  data::LoaderOptions lo;
  if (options_.ghost_batches < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("ghost batches: %d, must be >= 1", options_.ghost_batches));
  }
  if (!(options_.lr_scale > 0 && std::isfinite(options_.lr_scale)) ||
      options_.commit_every_steps < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("lr scale %g (must be > 0), commit every %d steps (must be >= 0)",
                        options_.lr_scale, options_.commit_every_steps));
  }
  lo.batch_size = options_.batch * options_.ghost_batches;
  lo.rank = collective_.rank();
  lo.world = collective_.world();
  lo.seed = options_.seed;
  lo.prefetch = options_.prefetch;
  lo.preprocess.xscale = options_.model.xscale;
  CASCADE_ASSIGN_OR_RETURN(s.loader, data::ShardedLoader::Create(s.dataset->train(), lo));
  if (s.loader->num_batches_per_epoch() == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("training data: %d events cannot fill one global batch of %d x %d",
                        s.dataset->num_train_events(), collective_.world() * options_.ghost_batches,
                        options_.batch));
  }

  gan::TrainerOptions to;
  to.batch = options_.batch;
  to.lr = options_.lr;
  to.seed = options_.seed;
  to.rank = collective_.rank();
  to.world = collective_.world();
  to.ghost_batches = options_.ghost_batches;
  s.trainer = std::make_unique<gan::GanTrainer>(options_.model, to);
  CASCADE_RETURN_IF_ERROR(s.trainer->Init(s.device));

  CASCADE_RETURN_IF_ERROR(RestoreInitialState());

  // Validation reference: the first events of the held-out files (rank 0 only validates).
  if (collective_.rank() == 0 && options_.validation_events > 0 && !s.dataset->test().empty()) {
    for (const auto& range : s.dataset->test()) {
      const int64_t want = options_.validation_events - s.reference.n;
      if (want <= 0) break;
      CASCADE_ASSIGN_OR_RETURN(auto part,
                               data::ReadShowerFile(range.path, {.max_events = range.end}));
      const int64_t take = std::min(want, range.size());
      s.reference.ecal.insert(s.reference.ecal.end(),
                              part.ecal.begin() + range.begin * data::kShowerSize,
                              part.ecal.begin() + (range.begin + take) * data::kShowerSize);
      s.reference.energy.insert(s.reference.energy.end(), part.energy.begin() + range.begin,
                                part.energy.begin() + range.begin + take);
      s.reference.n += take;
    }
    s.sampler = std::make_unique<gan::ShowerSampler>(options_.model, 64);
    CASCADE_RETURN_IF_ERROR(s.sampler->Init(s.device));
  }
  if (collective_.rank() == 0 && !options_.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.out_dir, ec);
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrCat("--out ", options_.out_dir, ": ", ec.message()));
    }
  }
  if (!options_.trace_path.empty()) {
    CASCADE_RETURN_IF_ERROR(
        s.trace.Open(options_.trace_path, collective_.rank(), options_.trace_host));
  }
  CASCADE_RETURN_IF_ERROR(SyncInitialState());
  s.start_epoch = s.loader->cursor().epoch;
  s.start_step = s.trainer->step();
  return absl::OkStatus();
}

// The warm-up measures progress in epochs of the *current* world (num_batches_per_epoch), also
// within an epoch that began at another world size: a function of (epoch, step) and the current
// group only, so a group of W that resumed a commit follows the schedule a group of W would.
double TrainingLoop::LearningRate(int64_t epoch, int64_t batch_in_epoch) const {
  const int world = collective_.world() * options_.ghost_batches;
  const double target = options_.lr * (options_.scale_lr_by_world ? world : 1);
  if (world == 1 || options_.warmup_epochs <= 0 || epoch >= options_.warmup_epochs) {
    return target * options_.lr_scale;
  }
  const double per_epoch = static_cast<double>(state_->loader->num_batches_per_epoch());
  const double progress = (epoch + batch_in_epoch / per_epoch) / options_.warmup_epochs;
  return (options_.lr + (target - options_.lr) * std::min(progress, 1.0)) * options_.lr_scale;
}

absl::Status TrainingLoop::RunEpoch(int64_t epoch, EpochReport& report) {
  auto& s = *state_;
  // The epoch may have begun at another global batch (a resumed commit of another world size).
  const int64_t full = s.loader->cursor().epoch == epoch
                           ? s.loader->batches_in_epoch(s.loader->cursor())
                           : s.loader->num_batches_per_epoch();
  const int64_t steps =
      options_.max_steps_per_epoch < 0 ? full : std::min(full, options_.max_steps_per_epoch);
  ProgressBar bar(options_.progress && collective_.rank() == 0, absl::StrCat("epoch ", epoch + 1),
                  steps);
  const auto t0 = Clock::now();
  gan::LossTerms d_real, d_fake, g;
  int64_t done = 0;
  double allreduce = 0;
  int64_t bytes = 0;
  Clock::time_point mark;  // end of the previous phase
  const gan::GradientSync sync = [&](gan::SyncPoint point, std::span<float> data) -> absl::Status {
    const auto ta = Clock::now();
    s.trace.Phase(gan::SyncPointName(point), "compute", mark, ta);
    mark = ta;
    if (collective_.world() == 1) return absl::OkStatus();
    const int64_t bytes0 = collective_.stats().allreduce_bytes_sent;
    absl::Status st = collective_.AllreduceAverage(data);
    mark = Clock::now();
    allreduce += std::chrono::duration<double>(mark - ta).count();
    const int64_t sent = collective_.stats().allreduce_bytes_sent - bytes0;
    bytes += sent;
    if (s.trace.is_open()) {  // the args are built only when tracing
      s.trace.Phase(gan::SyncPointName(point), "allreduce", ta, mark,
                    {{"bytes_sent", sent}, {"floats", data.size()}, {"ok", st.ok()}});
    }
    return st;
  };
  while (s.loader->cursor().epoch == epoch && s.loader->cursor().batch < steps) {
    const int64_t b = s.loader->cursor().batch;
    const double lr = LearningRate(epoch, b);
    s.trainer->g_optimizer().set_lr(lr);
    s.trainer->d_optimizer().set_lr(lr);
    const auto td = Clock::now();
    CASCADE_RETURN_IF_ERROR(s.loader->Next(s.batch));
    const auto ts = Clock::now();
    s.trace.Phase("data", "data", td, ts);
    allreduce = 0;
    bytes = 0;
    mark = ts;
    gan::RealBatch real{s.batch.n, s.batch.images, s.batch.energy_over_100, s.batch.ecal_sum};
    CASCADE_ASSIGN_OR_RETURN(auto losses, s.trainer->Step(real, sync));
    const auto te = Clock::now();
    const double step_seconds = std::chrono::duration<double>(te - ts).count();
    if (s.trace.is_open()) {  // the args are built only when tracing
      s.trace.Phase("step", "step", ts, te,
                    {{"step", s.trainer->step()},
                     {"epoch", epoch},
                     {"allreduce_s", allreduce},
                     {"bytes_sent", bytes}});
    }
    Accumulate(d_real, losses.d_real);
    Accumulate(d_fake, losses.d_fake);
    Accumulate(g, losses.g[0]);
    Accumulate(g, losses.g[1]);
    ++done;
    bar.Update(done, absl::StrFormat("D %.3f G %.3f", losses.d_real.total + losses.d_fake.total,
                                     losses.g[1].total));
    if (on_step) {
      on_step({s.trainer->step(), epoch, b, steps, losses, step_seconds - allreduce, allreduce,
               std::chrono::duration<double>(ts - td).count(), bytes, lr});
    }
    if (b + 1 == steps && steps < full) {
      CASCADE_RETURN_IF_ERROR(s.loader->Seek({epoch + 1, 0}));  // --max-steps-per-epoch
    }
    if (options_.checkpoint_every_steps > 0 &&
        s.trainer->step() % options_.checkpoint_every_steps == 0 && b + 1 < steps) {
      std::string path;
      CASCADE_RETURN_IF_ERROR(
          SaveCheckpoint(epoch, absl::StrFormat("ckpt-step-%08d.h5", s.trainer->step()), &path));
      if (on_checkpoint && !path.empty()) on_checkpoint(path, epoch, s.trainer->step());
    }
    if (options_.commit_every_steps > 0 && s.trainer->step() % options_.commit_every_steps == 0) {
      CASCADE_RETURN_IF_ERROR(Commit());
    }
    if (should_stop && should_stop()) {
      stopped_ = true;
      break;
    }
  }
  bar.Finish();
  report.epoch = epoch;
  report.steps = done;
  report.seconds = Since(t0);
  report.samples_per_second = report.seconds > 0 ? done * options_.batch * options_.ghost_batches *
                                                       collective_.world() / report.seconds
                                                 : 0;
  if (done > 0) {
    report.d_real = Scaled(d_real, 1.0 / done);
    report.d_fake = Scaled(d_fake, 1.0 / done);
    report.g = Scaled(g, 0.5 / done);
  }
  return absl::OkStatus();
}

absl::Status TrainingLoop::Validate(int64_t epoch, EpochReport& report) {
  auto& s = *state_;
  if (!s.sampler || s.reference.n == 0) return absl::OkStatus();
  CASCADE_RETURN_IF_ERROR(s.sampler->CopyWeightsFrom(s.trainer->g_arena()));
  std::mt19937_64 rng(options_.seed ^ (0xA5A5A5A5ULL + static_cast<uint64_t>(epoch)));
  CASCADE_ASSIGN_OR_RETURN(auto fake, s.sampler->Sample(s.reference.energy, rng));
  physics::ValidationOptions vo;
  vo.keep_observables = false;
  CASCADE_ASSIGN_OR_RETURN(report.validation,
                           physics::Validate({s.reference.n, s.reference.ecal, s.reference.energy},
                                             {s.reference.n, fake, s.reference.energy}, vo));
  report.validated = true;
  return absl::OkStatus();
}

absl::Status TrainingLoop::Run() {
  CASCADE_RETURN_IF_ERROR(Setup());
  CASCADE_RETURN_IF_ERROR(Commit());
  for (int64_t epoch = state_->start_epoch; epoch < options_.epochs; ++epoch) {
    EpochReport report;
    CASCADE_RETURN_IF_ERROR(RunEpoch(epoch, report));
    // A stop at the epoch's last step still closes the epoch: the cursor (and so every commit
    // from now on) already points at the next one, and its validation would never happen.
    const bool epoch_done = state_->loader->cursor().epoch > epoch;
    if (stopped_ && !epoch_done) break;
    if (collective_.rank() == 0) {
      CASCADE_RETURN_IF_ERROR(Validate(epoch, report));
      CASCADE_RETURN_IF_ERROR(SaveCheckpoint(
          epoch + 1, absl::StrFormat("ckpt-epoch-%04d.h5", epoch + 1), &report.checkpoint));
      if (!options_.out_dir.empty()) {
        nlohmann::json line = {{"epoch", epoch + 1},
                               {"steps", report.steps},
                               {"seconds", report.seconds},
                               {"samples_per_second", report.samples_per_second},
                               {"d_real", ToJson(report.d_real)},
                               {"d_fake", ToJson(report.d_fake)},
                               {"g", ToJson(report.g)},
                               {"checkpoint", report.checkpoint}};
        if (report.validated) {
          line["sf_mre"] = report.validation.sf_mre;
          line["sf_mre_error"] = report.validation.sf_mre_error;
          line["gan_metric"] = report.validation.gan_metric.total;
        }
        std::ofstream(std::filesystem::path(options_.out_dir) / "metrics.jsonl", std::ios::app)
            << line.dump() << "\n";
      }
    }
    if (on_epoch) on_epoch(report);
    if (stopped_) break;
  }
  state_->trace.Close();
  return absl::OkStatus();
}

}  // namespace cascade::trainer
