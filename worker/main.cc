// `cascade-worker`: one rank of a data-parallel training group. `--standalone` trains one trial
// with a file rendezvous (by hand or under Slurm's srun); otherwise the worker serves a
// coordinator (`--coordinator HOST:PORT`, docs/worker.md). Exit codes:
// worker/standalone/exit_codes.h.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "common/rpc/channel.h"
#include "common/version.h"
#include "worker/agent/agent_command.h"
#include "worker/standalone/exit_codes.h"
#include "worker/standalone/standalone_options.h"
#include "worker/standalone/standalone_worker.h"

namespace {

using cascade::worker::StandaloneOptions;

void AddFlags(CLI::App& app, StandaloneOptions& o, std::string& filters, std::string& bn_axis,
              std::string& algorithm, bool& no_lr_scaling) {
  auto& t = o.training;
  app.add_option("--rank", o.rank, "this process's rank (default: $SLURM_PROCID)");
  app.add_option("--world", o.world, "number of ranks (default: $SLURM_NTASKS)");
  app.add_option("--job", o.job, "group name in the store (default: $SLURM_JOB_ID.$SLURM_STEP_ID)");
  app.add_option("--rendezvous", o.rendezvous, "file:DIR on a file system every rank sees");
  app.add_option("--hostname", o.hostname,
                 "address Gloo binds (default 127.0.0.1, or the node name when SLURM_NNODES>1)");
  app.add_option("--iface", o.iface, "network interface Gloo binds (cluster-internal network)");
  app.add_option("--timeout", o.timeout_seconds, "seconds before a silent peer counts as lost")
      ->capture_default_str();
  app.add_option("--algorithm", algorithm, "ordered | ring | ringchunked (docs/collective.md)")
      ->check(CLI::IsMember({"ordered", "ring", "ringchunked"}))
      ->capture_default_str();
  app.add_option("--threads", o.threads,
                 "OpenMP threads (default: $SLURM_CPUS_PER_TASK, else OpenMP's default)");
  app.add_option("--data", t.data, "EleEscan HDF5 files or directories (split 90/10 by file)")
      ->required()
      ->check(CLI::ExistingPath);
  app.add_option("--epochs", t.epochs, "epochs")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--batch", t.batch, "batch per rank")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--out", t.out_dir, "rank 0's checkpoints and metrics.jsonl");
  app.add_option("--resume", t.resume, "checkpoint to resume from")->check(CLI::ExistingFile);
  app.add_option("--lr", t.lr, "base RMSprop learning rate per worker")->capture_default_str();
  app.add_flag("--no-lr-scaling", no_lr_scaling, "do not scale the learning rate by the world");
  app.add_option("--warmup-epochs", t.warmup_epochs, "linear LR warm-up epochs (0 = off)")
      ->capture_default_str();
  app.add_option("--seed", t.seed, "seed of every random draw")->capture_default_str();
  app.add_option("--filters", filters, "original | 16")->capture_default_str();
  app.add_option("--bn-axis", bn_axis, "last | channel")->capture_default_str();
  app.add_option("--max-steps-per-epoch", t.max_steps_per_epoch, "cap the steps of each epoch");
  app.add_option("--checkpoint-every", t.checkpoint_every_steps, "also checkpoint every N steps");
  app.add_option("--validation-events", t.validation_events, "showers per epoch validation")
      ->capture_default_str();
  app.add_option("--ghost-batches", t.ghost_batches,
                 "emulate a group of K ranks in this process (reference runs)")
      ->check(CLI::PositiveNumber);
  app.add_option("--trace", t.trace_path,
                 "Chrome trace: FILE.rank<R>.json per rank, merged into FILE by rank 0");
  app.add_option("--dump-state", o.dump_state_dir, "every rank writes DIR/rank<R>.h5 at the end");
  app.add_flag("-q,--quiet", o.quiet, "no per-epoch lines");
}

// Service mode: flags, then CASCADE_COORDINATOR / CASCADE_TOKEN_FILE from the environment.
int AgentMain(int argc, char** argv) {
  CLI::App app{"cascade-worker — serves a Cascade coordinator (use --standalone to train alone)"};
  app.set_version_flag("--version", std::string("cascade-worker ") + cascade::kVersion);
  cascade::worker::AgentOptions o;
  std::string token_file;
  app.add_option("--coordinator", o.coordinator.address, "coordinator HOST:PORT")
      ->envname("CASCADE_COORDINATOR")
      ->required();
  app.add_option("--token-file", token_file, "file holding the worker token (mode 600)")
      ->envname("CASCADE_TOKEN_FILE");
  app.add_option("--token", o.coordinator.token, "the worker token itself (prefer --token-file)");
  app.add_option("--tls-ca", o.coordinator.tls_ca, "PEM CA of the coordinator's certificate")
      ->check(CLI::ExistingFile);
  app.add_option("--data-cache", o.data_cache,
                 "where simulated datasets are generated (default $TMPDIR/cascade-data)");
  app.add_option("--threads", o.threads, "OpenMP threads of training (default: OpenMP's)");
  app.add_option("--hostname", o.hostname, "address Gloo binds (default: this host's name)");
  app.add_option("--iface", o.iface, "network interface Gloo binds (cluster-internal network)");
  app.add_option("--timeout", o.timeout_seconds, "seconds before a silent peer counts as lost")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  std::string algorithm = "ordered";
  app.add_option("--algorithm", algorithm, "ordered | ring | ringchunked (docs/collective.md)")
      ->check(CLI::IsMember({"ordered", "ring", "ringchunked"}))
      ->capture_default_str();
  app.footer("Without a coordinator: cascade-worker --standalone --help");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cascade::worker::kExitUsage;
  }
  if (o.coordinator.token.empty()) {
    if (token_file.empty()) {
      std::cerr << "cascade-worker: --token-file (or CASCADE_TOKEN_FILE) is required\n";
      return cascade::worker::kExitUsage;
    }
    auto token = cascade::rpc::ReadTokenFile(token_file);
    if (!token.ok()) {
      std::cerr << "cascade-worker: " << token.status().message() << "\n";
      return cascade::worker::kExitUsage;
    }
    o.coordinator.token = *token;
  }
  o.algorithm = *cascade::collective::ParseAlgorithm(algorithm);  // checked by IsMember above
  return cascade::worker::RunAgent(o);
}

}  // namespace

int main(int argc, char** argv) {
  bool standalone_mode = false;
  for (int i = 1; i < argc; ++i) standalone_mode |= std::strcmp(argv[i], "--standalone") == 0;
  if (!standalone_mode) return AgentMain(argc, argv);

  CLI::App app{"cascade-worker — one rank of a data-parallel 3DGAN training group"};
  app.set_version_flag("--version", std::string("cascade-worker ") + cascade::kVersion);
  StandaloneOptions o;
  std::string filters = "original", bn_axis = "last", algorithm = "ordered";
  bool standalone = false, no_lr_scaling = false;
  app.add_flag("--standalone", standalone, "train one trial without a coordinator")->required();
  AddFlags(app, o, filters, bn_axis, algorithm, no_lr_scaling);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cascade::worker::kExitUsage;
  }
  auto parsed_filters = cascade::gan::ParseFilters(filters);
  auto parsed_axis = cascade::gan::ParseBnAxis(bn_axis);
  if (!parsed_filters.ok() || !parsed_axis.ok()) {
    std::cerr << "cascade-worker: "
              << (parsed_filters.ok() ? parsed_axis.status() : parsed_filters.status()).message()
              << "\n";
    return cascade::worker::kExitUsage;
  }
  o.training.model.filters = *parsed_filters;
  o.training.model.bn_axis = *parsed_axis;
  o.training.scale_lr_by_world = !no_lr_scaling;
  o.algorithm = *cascade::collective::ParseAlgorithm(algorithm);  // IsMember checked the name
  if (auto st = cascade::worker::ResolveLaunch(o, [](const char* n) { return std::getenv(n); });
      !st.ok()) {
    std::cerr << "cascade-worker: " << st.message() << "\n";
    return cascade::worker::kExitUsage;
  }
  return cascade::worker::RunStandalone(o);
}
