// Pure conversions between the scan spec / searcher types (common/scan) and the wire messages
// (cascade.v1) that trials and assignments carry, plus the path and metric rules the
// Coordinator applies to them.
#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "cascade/v1/metrics.pb.h"
#include "cascade/v1/scan.pb.h"
#include "cascade/v1/trial.pb.h"
#include "common/scan/hyperparameter.h"
#include "common/scan/scan_spec.h"
#include "google/protobuf/map.h"
#include "google/protobuf/timestamp.pb.h"

namespace cascade::coordinator {

v1::HparamValue HparamToProto(const scan::HparamValue& value);
void HparamsToProto(const scan::Hparams& hparams,
                    google::protobuf::Map<std::string, v1::HparamValue>* out);

v1::DataSource DataSourceFromSpec(const scan::DataSpec& data);  // simulate block -> SimulatedData
v1::ModelVariant ModelVariantFromSpec(const scan::ModelSpec& model);

// <checkpoint.dir (relative: under `checkpoint_root` when that is set)>/<scan id>/<trial id>.
std::string TrialCheckpointDir(const scan::ScanSpec& spec, const std::string& checkpoint_root,
                               const std::string& scan_id, const std::string& trial_id);

// The searcher metric `name` of a validation: "sampling_fraction_mre", "generator_loss" and
// "discriminator_loss" are typed fields, every other name is looked up in `observables`.
// nullopt when the validation does not carry it.
std::optional<double> ValidationMetric(const v1::ValidationMetrics& metrics,
                                       const std::string& name);

// True when `candidate` is a strictly better metric than `current` (non-finite is never better).
bool MetricBetter(double candidate, double current, bool smaller_is_better);

google::protobuf::Timestamp TimeToProto(absl::Time time);
absl::Time TimeFromProto(const google::protobuf::Timestamp& ts);

}  // namespace cascade::coordinator
