#include "worker/standalone/standalone_worker.h"

#include <fmt/format.h>
#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/gan/checkpoint_io.h"
#include "common/gan/trainer_checkpoint.h"
#include "worker/collective/rendezvous.h"
#include "worker/standalone/exit_codes.h"
#include "worker/trainer/chrome_trace.h"
#include "worker/trainer/gan_health_guard.h"

namespace cascade::worker {
namespace {

// FNV-1a over the bytes of G's and D's parameters and BN buffers: equal on every rank of a
// healthy group after every step (printed at the end; tests compare it across ranks).
uint64_t StateHash(gan::GanTrainer& t) {
  uint64_t h = 1469598103934665603ULL;
  for (auto span :
       {t.g_arena().params(), t.g_arena().buffers(), t.d_arena().params(), t.d_arena().buffers()}) {
    const auto bytes = std::as_bytes(span);
    for (std::byte b : bytes) h = (h ^ static_cast<uint8_t>(b)) * 1099511628211ULL;
  }
  return h;
}

absl::Status DumpState(gan::GanTrainer& t, const StandaloneOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.dump_state_dir, ec);
  auto ckpt = gan::SaveTrainerState(t, o.training.epochs, "{}");
  return gan::WriteCheckpoint(
      (std::filesystem::path(o.dump_state_dir) / fmt::format("rank{}.h5", o.rank)).string(), ckpt);
}

std::string RankTracePath(const std::string& base, int rank) {
  return fmt::format("{}.rank{}.json", base, rank);
}

}  // namespace

ExitCode ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
      return kExitUnavailable;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return kExitBadInput;
    default:
      return kExitFailure;
  }
}

int RunStandalone(const StandaloneOptions& o) {
  const std::string who = fmt::format("cascade-worker rank {}/{}", o.rank, o.world);
  auto fail = [&](const absl::Status& st) {
    std::cerr << who << ": " << st.message() << std::endl;
    return ExitCodeFor(st);
  };
  if (o.threads > 0) omp_set_num_threads(o.threads);  // the cores this worker was given, no more

  std::unique_ptr<gloo::rendezvous::Store> store;
  std::unique_ptr<collective::Collective> group;
  if (o.world == 1) {
    group = collective::MakeLocalCollective();
  } else {
    auto opened = collective::OpenRendezvousStore(o.rendezvous);
    if (!opened.ok()) return fail(opened.status());
    store = std::move(*opened);
    collective::GlooOptions go;
    go.rank = o.rank;
    go.world = o.world;
    go.hostname = o.hostname;
    go.iface = o.iface;
    go.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_seconds * 1000));
    go.algorithm = o.algorithm;
    go.prefix = StorePrefix(o);
    auto connected = collective::ConnectGloo(*store, go);
    if (!connected.ok()) return fail(connected.status());
    group = std::move(*connected);
  }

  trainer::TrainingOptions training = o.training;
  if (!training.trace_path.empty()) {
    training.trace_path = RankTracePath(o.training.trace_path, o.rank);
    training.trace_host = o.hostname == "127.0.0.1" ? "" : o.hostname;
  }
  if (o.rank != 0) training.out_dir.clear();  // rank 0 owns checkpoints and metrics
  trainer::TrainingLoop loop(training, *group);
  double compute = 0, allreduce = 0;
  int64_t steps = 0, bytes = 0;
  trainer::GanHealthGuard health;  // standalone mode has no rollback: it only warns
  loop.on_step = [&](const trainer::StepReport& r) {
    compute += r.compute_seconds;
    allreduce += r.allreduce_seconds;
    bytes += r.bytes_sent;
    ++steps;
    if (o.rank != 0) return;
    if (auto finding = health.Observe(r.losses, r.step)) {
      std::cerr << who << ": warning: " << *finding << std::endl;
    }
  };
  loop.on_epoch = [&](const trainer::EpochReport& r) {
    if (o.quiet || o.rank != 0) return;
    fmt::print(
        "epoch {:>3}/{}  steps {:>5}  {:.2f} samples/s  D(real) {:.4f}  D(fake) {:.4f}  "
        "G {:.4f}{}\n",
        r.epoch + 1, o.training.epochs, r.steps, r.samples_per_second, r.d_real.total,
        r.d_fake.total, r.g.total, r.checkpoint.empty() ? "" : "  -> " + r.checkpoint);
    std::fflush(stdout);
  };
  if (absl::Status st = loop.Run(); !st.ok()) return fail(st);
  if (absl::Status st = group->Barrier(); !st.ok()) return fail(st);

  if (!o.dump_state_dir.empty()) {
    if (absl::Status st = DumpState(loop.trainer(), o); !st.ok()) return fail(st);
  }
  if (!o.training.trace_path.empty()) {
    // Every rank's file is closed before the barrier; rank 0 merges what the shared FS shows.
    if (absl::Status st = group->Barrier(); !st.ok()) return fail(st);
    if (o.rank == 0) {
      std::vector<std::string> files;
      for (int r = 0; r < o.world; ++r) files.push_back(RankTracePath(o.training.trace_path, r));
      if (absl::Status st = trainer::MergeChromeTraces(files, o.training.trace_path); !st.ok()) {
        std::cerr << who << ": warning: " << st.message() << std::endl;
      }
    }
  }
  // One summary line per rank: the step phases and the state hash the tests compare.
  fmt::print("rank {}/{}: steps {} compute {:.3f} s allreduce {:.3f} s sent {} B state {:016x}\n",
             o.rank, o.world, steps, compute, allreduce, bytes, StateHash(loop.trainer()));
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace cascade::worker
