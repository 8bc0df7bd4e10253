// TrainingLoop's state transfer: restoring a disk checkpoint or an in-memory commit, the group's
// initial sync from rank 0, and taking commits and checkpoints. Split from training_loop.cc (the
// step and epoch logic) by role.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/data/loader_cursor.h"
#include "common/gan/checkpoint_io.h"
#include "common/gan/trainer_checkpoint.h"
#include "common/status_macros.h"
#include "worker/trainer/training_loop.h"
#include "worker/trainer/training_loop_state.h"

namespace cascade::trainer {

absl::Status TrainingLoop::RestoreInitialState() {
  if (options_.resume_state) {
    return RestoreFrom(*options_.resume_state,
                       absl::StrCat("in-memory commit of step ", options_.resume_state->step));
  }
  if (options_.resume.empty()) return absl::OkStatus();
  CASCADE_ASSIGN_OR_RETURN(auto ckpt, gan::ReadCheckpoint(options_.resume));
  return RestoreFrom(ckpt, options_.resume);
}

absl::Status TrainingLoop::RestoreFrom(const gan::Checkpoint& ckpt, const std::string& source) {
  CASCADE_ASSIGN_OR_RETURN(auto cursor_json,
                           gan::RestoreTrainerState(ckpt, *state_->trainer, source));
  return SeekStoredCursor(cursor_json, source);
}

absl::Status TrainingLoop::SeekStoredCursor(const std::string& cursor_json,
                                            const std::string& source) {
  auto& loader = *state_->loader;
  CASCADE_ASSIGN_OR_RETURN(auto stored, data::CursorFromJson(cursor_json, source));
  // Unknown (a checkpoint from before elastic groups): taken at this run's global batch.
  const int64_t taken_at = stored.global_batch > 0 ? stored.global_batch : loader.global_batch();
  const data::LoaderCursor cursor = loader.Rebase(stored.cursor, taken_at);
  if (absl::Status st = loader.Seek(cursor); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat(source, ": data cursor ", cursor_json,
                                                " does not fit this data: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status TrainingLoop::SyncInitialState() {
  if (collective_.world() == 1) return absl::OkStatus();
  auto& s = *state_;
  auto& t = *s.trainer;
  auto bytes = [](std::span<float> f) { return std::as_writable_bytes(f); };
  for (auto span :
       {t.g_arena().params(), t.g_arena().buffers(), t.d_arena().params(), t.d_arena().buffers(),
        t.g_optimizer().accumulators(), t.d_optimizer().accumulators()}) {
    CASCADE_RETURN_IF_ERROR(collective_.Broadcast(bytes(span), 0));
  }
  // The rest of the state in one small JSON blob: its length (8 bytes), then its bytes. Rank 0's
  // RNG and cursor win, so a rank that joined with no state at all continues as rank 0 does.
  std::string meta;
  if (collective_.rank() == 0) {
    std::ostringstream rng;
    rng << t.rng();
    meta =
        nlohmann::json{{"step", t.step()},
                       {"rng", rng.str()},
                       {"cursor", data::CursorToJson(s.loader->cursor(), s.loader->global_batch())},
                       {"g_lr", t.g_optimizer().lr()},
                       {"d_lr", t.d_optimizer().lr()}}
            .dump();
  }
  int64_t length = static_cast<int64_t>(meta.size());
  CASCADE_RETURN_IF_ERROR(
      collective_.Broadcast(std::as_writable_bytes(std::span<int64_t>(&length, 1)), 0));
  meta.resize(static_cast<size_t>(length));
  CASCADE_RETURN_IF_ERROR(
      collective_.Broadcast(std::as_writable_bytes(std::span<char>(meta.data(), meta.size())), 0));
  if (collective_.rank() == 0) return absl::OkStatus();

  const std::string source = absl::StrCat("rank 0's state (rank ", collective_.rank(), ")");
  auto corrupt = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(source, ": ", why, " in '", meta.substr(0, 200), "'"));
  };
  const auto j = nlohmann::json::parse(meta, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt("not JSON");
  try {
    t.set_step(j.at("step").get<int64_t>());
    std::istringstream rng(j.at("rng").get<std::string>());
    rng >> t.rng();
    if (rng.fail()) return corrupt("bad RNG state");
    t.g_optimizer().set_lr(j.at("g_lr").get<double>());
    t.d_optimizer().set_lr(j.at("d_lr").get<double>());
    return SeekStoredCursor(j.at("cursor").get<std::string>(), source);
  } catch (const nlohmann::json::exception& e) {
    return corrupt(e.what());
  }
}

absl::StatusOr<std::shared_ptr<const gan::Checkpoint>> TrainingLoop::CommitNow() {
  auto& s = *state_;
  if (!s.loader || !s.trainer) {
    return absl::FailedPreconditionError("commit before training started");
  }
  const data::LoaderCursor cursor = s.loader->cursor();
  return std::make_shared<const gan::Checkpoint>(gan::SaveTrainerState(
      *s.trainer, cursor.epoch, data::CursorToJson(cursor, s.loader->global_batch())));
}

absl::Status TrainingLoop::Commit() {
  if (!on_commit) return absl::OkStatus();
  CASCADE_ASSIGN_OR_RETURN(auto commit, CommitNow());
  on_commit(std::move(commit));
  return absl::OkStatus();
}

absl::Status TrainingLoop::SaveCheckpoint(int64_t epoch, const std::string& name,
                                          std::string* path) {
  if (collective_.rank() != 0 || options_.out_dir.empty()) return absl::OkStatus();
  const auto& loader = *state_->loader;
  auto ckpt = gan::SaveTrainerState(*state_->trainer, epoch,
                                    data::CursorToJson(loader.cursor(), loader.global_batch()));
  const std::string file = (std::filesystem::path(options_.out_dir) / name).string();
  CASCADE_RETURN_IF_ERROR(gan::WriteCheckpoint(file, ckpt));
  std::ofstream(std::filesystem::path(options_.out_dir) / "latest") << name << "\n";
  if (path) *path = file;
  return absl::OkStatus();
}

absl::StatusOr<std::string> TrainingLoop::CheckpointNow() {
  std::string path;
  if (!state_->loader) return absl::FailedPreconditionError("checkpoint before training started");
  CASCADE_RETURN_IF_ERROR(
      SaveCheckpoint(state_->loader->cursor().epoch,
                     absl::StrFormat("ckpt-step-%08d.h5", state_->trainer->step()), &path));
  return path;
}

}  // namespace cascade::trainer
