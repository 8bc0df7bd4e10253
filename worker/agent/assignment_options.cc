#include "worker/agent/assignment_options.h"

#include <glob.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cascade::worker {
namespace {

absl::StatusOr<double> NumberHparam(const std::string& name, const v1::HparamValue& value) {
  switch (value.kind_case()) {
    case v1::HparamValue::kDoubleValue:
      return value.double_value();
    case v1::HparamValue::kIntValue:
      return static_cast<double>(value.int_value());
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("hyperparameter ", name, ": expected a number, got ", value.DebugString()));
  }
}

absl::StatusOr<int64_t> IntegerHparam(const std::string& name, const v1::HparamValue& value) {
  if (value.kind_case() == v1::HparamValue::kIntValue) return value.int_value();
  if (value.kind_case() == v1::HparamValue::kDoubleValue &&
      value.double_value() == std::floor(value.double_value()) &&
      std::abs(value.double_value()) < 9e15) {
    return static_cast<int64_t>(value.double_value());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("hyperparameter ", name, ": expected an integer, got ", value.DebugString()));
}

absl::Status ApplyHparams(const v1::Assignment& a, trainer::TrainingOptions& o) {
  const auto& h = a.hparams();
  if (auto it = h.find("lr"); it != h.end()) {
    auto lr = NumberHparam("lr", it->second);
    if (!lr.ok()) return lr.status();
    if (!(*lr > 0) || !std::isfinite(*lr)) {
      return absl::InvalidArgumentError(absl::StrCat("hyperparameter lr: ", *lr, " must be > 0"));
    }
    o.lr = *lr;
  }
  if (auto it = h.find("batch_per_worker"); it != h.end()) {
    auto batch = IntegerHparam("batch_per_worker", it->second);
    if (!batch.ok()) return batch.status();
    if (*batch < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("hyperparameter batch_per_worker: ", *batch, " must be >= 1"));
    }
    o.batch = *batch;
  }
  const char* kWeights[] = {"loss_weight_bce", "loss_weight_ep", "loss_weight_ecal"};
  for (int i = 0; i < 3; ++i) {
    auto it = h.find(kWeights[i]);
    if (it == h.end()) continue;
    auto w = NumberHparam(kWeights[i], it->second);
    if (!w.ok()) return w.status();
    if (!(*w >= 0) || !std::isfinite(*w)) {
      return absl::InvalidArgumentError(
          absl::StrCat("hyperparameter ", kWeights[i], ": ", *w, " must be >= 0"));
    }
    o.model.loss_weights[i] = static_cast<float>(*w);
  }
  return absl::OkStatus();
}

absl::Status ApplyModel(const v1::ModelVariant& m, gan::ModelConfig& c) {
  switch (m.filters()) {
    case v1::MODEL_FILTERS_UNSPECIFIED:
      break;
    case v1::MODEL_FILTERS_ORIGINAL:
      c.filters = gan::Filters::kOriginal;
      break;
    case v1::MODEL_FILTERS_MULTIPLE_OF_16:
      c.filters = gan::Filters::kMultipleOf16;
      break;
    case v1::MODEL_FILTERS_TINY:
      c.filters = gan::Filters::kTiny;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("model.filters: unknown value ", m.filters()));
  }
  switch (m.bn_axis()) {
    case v1::BATCH_NORM_AXIS_UNSPECIFIED:
      break;
    case v1::BATCH_NORM_AXIS_CHANNEL:
      c.bn_axis = nn::BnAxis::kChannel;
      break;
    case v1::BATCH_NORM_AXIS_LAST:
      c.bn_axis = nn::BnAxis::kLastSpatial;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("model.bn_axis: unknown value ", m.bn_axis()));
  }
  if (m.latent_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("model.latent_size: ", m.latent_size()));
  }
  if (m.latent_size() > 0) c.latent_size = m.latent_size();
  if (m.xscale() < 0 || !std::isfinite(m.xscale())) {
    return absl::InvalidArgumentError(absl::StrCat("model.xscale: ", m.xscale()));
  }
  if (m.xscale() > 0) c.xscale = static_cast<float>(m.xscale());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<trainer::TrainingOptions> ToTrainingOptions(const v1::Assignment& a,
                                                           std::vector<std::string> data) {
  trainer::TrainingOptions o;
  o.data = std::move(data);
  if (absl::Status st = ApplyModel(a.model(), o.model); !st.ok()) return st;
  if (absl::Status st = ApplyHparams(a, o); !st.ok()) return st;
  if (a.max_epochs() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_epochs: ", a.max_epochs(), " must be >= 1"));
  }
  o.epochs = a.max_epochs();
  if (a.steps_per_epoch() < 0 || a.validation_events() < 0 || a.checkpoint_every_steps() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "steps_per_epoch ", a.steps_per_epoch(), ", validation_events ", a.validation_events(),
        ", checkpoint_every_steps ", a.checkpoint_every_steps(), ": must be >= 0"));
  }
  o.max_steps_per_epoch = a.steps_per_epoch() > 0 ? a.steps_per_epoch() : -1;
  o.validation_events = a.validation_events();
  o.checkpoint_every_steps = a.checkpoint_every_steps();
  o.out_dir = a.checkpoint_dir();
  o.resume = a.resume_checkpoint();
  o.seed = a.seed();
  return o;
}

absl::StatusOr<std::vector<std::string>> ExpandDataFiles(const v1::DataSource& data) {
  std::vector<std::string> files;
  auto add = [&](const std::string& pattern) -> absl::Status {
    if (pattern.find_first_of("*?[") == std::string::npos) {
      files.push_back(pattern);  // plain path: the dataset reports a missing file by name
      return absl::OkStatus();
    }
    glob_t matches{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
    std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    ::globfree(&matches);
    if (rc != 0 || found.empty()) {
      return absl::NotFoundError(absl::StrCat("data pattern '", pattern, "' matches no file"));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
    return absl::OkStatus();
  };
  for (const auto& p : data.train_files()) {
    if (absl::Status st = add(p); !st.ok()) return st;
  }
  for (const auto& p : data.validation_files()) {
    if (absl::Status st = add(p); !st.ok()) return st;
  }
  if (files.empty()) return absl::InvalidArgumentError("assignment names no data files");
  return files;
}

v1::FailureKind FailureKindFor(const absl::Status& status) {
  const std::string message = absl::AsciiStrToLower(status.message());
  if (status.code() == absl::StatusCode::kUnavailable) return v1::FAILURE_KIND_PEER_LOST;
  if (absl::StrContains(message, "non-finite")) return v1::FAILURE_KIND_NON_FINITE;
  if (absl::StrContains(message, "checkpoint")) return v1::FAILURE_KIND_CHECKPOINT;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kPermissionDenied:
      return v1::FAILURE_KIND_DATA;
    default:
      return v1::FAILURE_KIND_INTERNAL;
  }
}

}  // namespace cascade::worker
