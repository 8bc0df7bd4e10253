// Parsing of the spec's `hyperparameters` section (one Hyperparameter per name) and the checks
// that tie it to the searcher (grid needs `count`) and to the names the trainer understands.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/scan/scan_spec.h"
#include "common/scan/yaml_section.h"

namespace cascade::scan {

// `section` is the `hyperparameters` mapping. A plain scalar is shorthand for type const.
absl::StatusOr<std::map<std::string, Hyperparameter>> ParseHyperparameters(
    const YamlSection& section);

// Cross-checks needing the searcher: the grid searcher requires `count` on int/double/log and a
// grid of at most kMaxGridPoints. `section` is used only to point errors at lines.
absl::Status CheckHyperparametersForSearcher(const ScanSpec& spec, const YamlSection& section);

// A YAML scalar as a value: quoted -> string; else integer, number, boolean, string in that order.
absl::StatusOr<HparamValue> ScalarValue(const YAML::Node& node, const std::string& path);

}  // namespace cascade::scan
