#include "common/gan/trainer_checkpoint.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {

std::string TensorKey(const nn::ParamArena::Entry& e) {
  return absl::StrCat(e.trainable ? "params/" : "buffers/", e.name);
}

void SaveArena(const nn::ParamArena& arena, Checkpoint& ckpt) {
  for (const auto& e : arena.entries()) {
    auto src = e.trainable ? arena.params() : arena.buffers();
    auto data = src.subspan(e.offset, e.size);
    ckpt.tensors.push_back(
        {TensorKey(e), {e.spec.shape.begin(), e.spec.shape.end()}, {data.begin(), data.end()}});
  }
}

const NamedTensor* FindTensor(const Checkpoint& ckpt, const std::string& name) {
  auto it = std::find_if(ckpt.tensors.begin(), ckpt.tensors.end(),
                         [&](const NamedTensor& t) { return t.name == name; });
  return it == ckpt.tensors.end() ? nullptr : &*it;
}

absl::Status LoadSpan(const Checkpoint& ckpt, const std::string& name,
                      const std::vector<int64_t>& shape, std::span<float> dst,
                      const std::string& source) {
  const NamedTensor* t = FindTensor(ckpt, name);
  if (t == nullptr) {
    return absl::NotFoundError(absl::StrCat(source, ": checkpoint has no tensor '", name, "'"));
  }
  if (t->shape != shape || t->data.size() != dst.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": tensor '", name, "' has shape (", absl::StrJoin(t->shape, ","),
                     ") but the model expects (", absl::StrJoin(shape, ","), ")"));
  }
  std::copy(t->data.begin(), t->data.end(), dst.begin());
  return absl::OkStatus();
}

absl::Status LoadArena(const Checkpoint& ckpt, nn::ParamArena& arena, const std::string& source) {
  for (const auto& e : arena.entries()) {
    auto dst = (e.trainable ? arena.params() : arena.buffers()).subspan(e.offset, e.size);
    CASCADE_RETURN_IF_ERROR(
        LoadSpan(ckpt, TensorKey(e), {e.spec.shape.begin(), e.spec.shape.end()}, dst, source));
  }
  return absl::OkStatus();
}

absl::Status CheckVariant(const Checkpoint& ckpt, const ModelConfig& model,
                          const std::string& source) {
  auto stored = ModelConfigFromJson(ckpt.config_json);
  if (!stored.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": unreadable model config: ", stored.status().message()));
  }
  auto variant = [](const ModelConfig& c) {
    return absl::StrCat("filters=", FiltersName(c.filters), " bn_axis=", BnAxisName(c.bn_axis),
                        " latent_size=", c.latent_size);
  };
  if (variant(*stored) != variant(model)) {
    return absl::FailedPreconditionError(absl::StrCat(
        source, ": checkpoint is a ", variant(*stored), " model; expected ", variant(model)));
  }
  return absl::OkStatus();
}

}  // namespace

Checkpoint SaveTrainerState(GanTrainer& trainer, int64_t epoch, const std::string& data_cursor) {
  Checkpoint ckpt;
  ckpt.config_json = ToJson(trainer.config());
  ckpt.step = trainer.step();
  ckpt.epoch = epoch;
  SaveArena(trainer.g_arena(), ckpt);
  SaveArena(trainer.d_arena(), ckpt);
  for (auto [name, opt] : {std::pair{"generator", &trainer.g_optimizer()},
                           std::pair{"discriminator", &trainer.d_optimizer()}}) {
    auto acc = opt->accumulators();
    ckpt.tensors.push_back({absl::StrCat("optimizer/", name, "/accumulators"),
                            {static_cast<int64_t>(acc.size())},
                            {acc.begin(), acc.end()}});
    ckpt.scalars[absl::StrCat("optimizer/", name, "/lr")] = opt->lr();
  }
  std::ostringstream rng;
  rng << trainer.rng();
  ckpt.strings["rng"] = rng.str();
  ckpt.strings["data_cursor"] = data_cursor;
  return ckpt;
}

absl::StatusOr<std::string> RestoreTrainerState(const Checkpoint& ckpt, GanTrainer& trainer,
                                                const std::string& source) {
  CASCADE_RETURN_IF_ERROR(CheckVariant(ckpt, trainer.config(), source));
  CASCADE_RETURN_IF_ERROR(LoadArena(ckpt, trainer.g_arena(), source));
  CASCADE_RETURN_IF_ERROR(LoadArena(ckpt, trainer.d_arena(), source));
  for (auto [name, opt] : {std::pair{"generator", &trainer.g_optimizer()},
                           std::pair{"discriminator", &trainer.d_optimizer()}}) {
    auto acc = opt->accumulators();
    CASCADE_RETURN_IF_ERROR(LoadSpan(ckpt, absl::StrCat("optimizer/", name, "/accumulators"),
                                     {static_cast<int64_t>(acc.size())}, acc, source));
    auto lr = ckpt.scalars.find(absl::StrCat("optimizer/", name, "/lr"));
    if (lr == ckpt.scalars.end()) {
      return absl::NotFoundError(absl::StrCat(source, ": no learning rate for ", name));
    }
    opt->set_lr(lr->second);
  }
  auto rng = ckpt.strings.find("rng");
  if (rng == ckpt.strings.end()) {
    return absl::NotFoundError(absl::StrCat(source, ": checkpoint has no RNG state"));
  }
  std::istringstream in(rng->second);
  in >> trainer.rng();
  if (in.fail()) return absl::DataLossError(absl::StrCat(source, ": corrupt RNG state"));
  trainer.set_step(ckpt.step);
  auto cursor = ckpt.strings.find("data_cursor");
  return cursor == ckpt.strings.end() ? std::string() : cursor->second;
}

absl::Status RestoreGeneratorWeights(const Checkpoint& ckpt, nn::ParamArena& g_arena,
                                     const std::string& source) {
  return LoadArena(ckpt, g_arena, source);
}

}  // namespace cascade::gan
