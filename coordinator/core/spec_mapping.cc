#include "coordinator/core/spec_mapping.h"

#include <cmath>
#include <filesystem>
#include <type_traits>
#include <variant>

namespace cascade::coordinator {

v1::HparamValue HparamToProto(const scan::HparamValue& value) {
  v1::HparamValue out;
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          out.set_int_value(v);
        } else if constexpr (std::is_same_v<T, double>) {
          out.set_double_value(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.set_string_value(v);
        } else {
          out.set_bool_value(v);
        }
      },
      value);
  return out;
}

void HparamsToProto(const scan::Hparams& hparams,
                    google::protobuf::Map<std::string, v1::HparamValue>* out) {
  out->clear();
  for (const auto& [name, value] : hparams) (*out)[name] = HparamToProto(value);
}

v1::DataSource DataSourceFromSpec(const scan::DataSpec& data) {
  v1::DataSource out;
  for (const auto& f : data.train_files) out.add_train_files(f);
  for (const auto& f : data.validation_files) out.add_validation_files(f);
  if (data.simulate.has_value()) {
    v1::SimulatedData* sim = out.mutable_simulate();
    sim->set_events(data.simulate->events);
    sim->set_energy_min_gev(data.simulate->energy_min_gev);
    sim->set_energy_max_gev(data.simulate->energy_max_gev);
    sim->set_files(data.simulate->files);
    sim->set_seed(data.simulate->seed);
  }
  return out;
}

v1::ModelVariant ModelVariantFromSpec(const scan::ModelSpec& model) {
  v1::ModelVariant out;
  switch (model.filters) {
    case scan::ModelFilters::kOriginal:
      out.set_filters(v1::MODEL_FILTERS_ORIGINAL);
      break;
    case scan::ModelFilters::kMultipleOf16:
      out.set_filters(v1::MODEL_FILTERS_MULTIPLE_OF_16);
      break;
    case scan::ModelFilters::kTiny:
      out.set_filters(v1::MODEL_FILTERS_TINY);
      break;
  }
  out.set_bn_axis(model.bn_axis == scan::ModelBnAxis::kChannel ? v1::BATCH_NORM_AXIS_CHANNEL
                                                               : v1::BATCH_NORM_AXIS_LAST);
  out.set_latent_size(model.latent_size);
  out.set_xscale(model.xscale);
  return out;
}

std::string TrialCheckpointDir(const scan::ScanSpec& spec, const std::string& checkpoint_root,
                               const std::string& scan_id, const std::string& trial_id) {
  std::filesystem::path dir(spec.checkpoint.dir);
  if (dir.is_relative() && !checkpoint_root.empty())
    dir = std::filesystem::path(checkpoint_root) / dir;
  return (dir / scan_id / trial_id).lexically_normal().string();
}

std::optional<double> ValidationMetric(const v1::ValidationMetrics& metrics,
                                       const std::string& name) {
  if (name == "sampling_fraction_mre") return metrics.sampling_fraction_mre();
  auto it = metrics.observables().find(name);
  if (it != metrics.observables().end()) return it->second;
  if (name == "generator_loss") return metrics.generator_loss();
  if (name == "discriminator_loss") return metrics.discriminator_loss();
  return std::nullopt;
}

bool MetricBetter(double candidate, double current, bool smaller_is_better) {
  if (!std::isfinite(candidate)) return false;
  if (!std::isfinite(current)) return true;
  return smaller_is_better ? candidate < current : candidate > current;
}

google::protobuf::Timestamp TimeToProto(absl::Time time) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest));
  return ts;
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace cascade::coordinator
