// `cascade train`: one process, one trial — the data-parallel trainer with a world of 1.
#include "cli/train_command.h"

#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <iostream>

#include "worker/collective/collective.h"
#include "worker/trainer/gan_health_guard.h"
#include "worker/trainer/training_loop.h"

namespace cascade::cli {
namespace {

struct TrainFlags {
  trainer::TrainingOptions options;
  std::string filters = "original", bn_axis = "last";
  int threads = 0;
  bool quiet = false;
};

int Run(TrainFlags& f) {
  if (f.threads > 0) omp_set_num_threads(f.threads);
  auto filters = gan::ParseFilters(f.filters);
  auto axis = gan::ParseBnAxis(f.bn_axis);
  if (!filters.ok() || !axis.ok()) return kUsage;
  f.options.model.filters = *filters;
  f.options.model.bn_axis = *axis;
  f.options.progress = !f.quiet && isatty(STDERR_FILENO);

  auto local = collective::MakeLocalCollective();
  trainer::TrainingLoop loop(f.options, *local);
  trainer::GanHealthGuard health;  // one process has no rollback: it only warns
  loop.on_step = [&](const trainer::StepReport& r) {
    if (auto finding = health.Observe(r.losses, r.step)) {
      std::cerr << "cascade train: warning: " << *finding << std::endl;
    }
  };
  loop.on_epoch = [&](const trainer::EpochReport& r) {
    if (f.quiet) return;
    fmt::print(
        "epoch {:>3}/{}  steps {:>5}  {:.1f} samples/s  D(real) {:.4f}  D(fake) {:.4f}  G {:.4f}",
        r.epoch + 1, f.options.epochs, r.steps, r.samples_per_second, r.d_real.total,
        r.d_fake.total, r.g.total);
    if (r.validated) fmt::print("  SF-MRE {:.4f}", r.validation.sf_mre);
    if (!r.checkpoint.empty()) fmt::print("  -> {}", r.checkpoint);
    fmt::print("\n");
    std::fflush(stdout);
  };
  absl::Status status = loop.Run();
  if (!status.ok()) {
    std::cerr << "cascade train: " << status.message() << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ||
                   status.code() == absl::StatusCode::kFailedPrecondition ||
                   status.code() == absl::StatusCode::kNotFound
               ? kBadInput
               : kFailure;
  }
  return kOk;
}

}  // namespace

void RegisterTrainCommand(CLI::App& app, CommandContext& ctx) {
  auto f = std::make_shared<TrainFlags>();
  auto& o = f->options;
  auto* cmd = app.add_subcommand("train", "Train the 3DGAN in one process");
  cmd->add_option("--data", o.data, "EleEscan HDF5 files or directories (split 90/10 by file)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--epochs", o.epochs, "epochs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--batch", o.batch, "batch size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--out", o.out_dir, "output directory: checkpoints, metrics.jsonl")->required();
  cmd->add_option("--resume", o.resume, "checkpoint to resume from")->check(CLI::ExistingFile);
  cmd->add_option("--lr", o.lr, "RMSprop learning rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "seed of every random draw")->capture_default_str();
  cmd->add_option("--filters", f->filters, "original | 16 | tiny (plumbing tests)")
      ->check(CLI::IsMember({"original", "16", "tiny"}))
      ->capture_default_str();
  cmd->add_option("--bn-axis", f->bn_axis, "last | channel")
      ->check(CLI::IsMember({"channel", "last"}))
      ->capture_default_str();
  cmd->add_option("--xscale", o.model.xscale, "image scale")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--loss-weights", o.model.loss_weights, "weights of BCE, MAPE(Ep), MAPE(ecal)")
      ->expected(3);
  cmd->add_option("--max-steps-per-epoch", o.max_steps_per_epoch, "cap the steps of each epoch");
  cmd->add_option("--checkpoint-every", o.checkpoint_every_steps, "also checkpoint every N steps");
  cmd->add_option("--ghost-batches", o.ghost_batches,
                  "emulate a data-parallel group of K ranks bit-exactly (global batch K x batch); "
                  "--resume with another K rebases the data cursor")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--validation-events", o.validation_events,
                  "showers generated per epoch for the physics validation (0 = off)")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "oneDNN/OpenMP threads (0 = all cores)");
  cmd->add_flag("-q,--quiet", f->quiet, "no progress bar or per-epoch lines");
  cmd->callback([f, &ctx] { ctx.exit_code = Run(*f); });
}

}  // namespace cascade::cli
