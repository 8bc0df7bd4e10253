// One hyperparameter of a scan spec and the values it can take (Determined's five types), plus
// the value type the searchers hand to trials. Pure: every random draw uses the generator passed
// in.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "nlohmann/json.hpp"

namespace cascade::scan {

// A drawn value. The spec type decides the case: int -> int64_t, double/log -> double,
// const/categorical -> whatever scalar the YAML held (int, double, string or bool).
using HparamValue = std::variant<int64_t, double, std::string, bool>;
// Ordered by name so iteration (grid expansion, JSON, logs) is deterministic.
using Hparams = std::map<std::string, HparamValue>;

enum class HyperparameterType { kConst, kInt, kDouble, kLog, kCategorical };

// A validated hyperparameter. Invariants (enforced by the parser): for kInt/kDouble/kLog
// minval <= maxval, and for kLog minval > 0; kCategorical has at least one value; grid_count
// is 0 (unset) or >= 1.
struct Hyperparameter {
  HyperparameterType type = HyperparameterType::kConst;
  HparamValue value = int64_t{0};    // kConst
  int64_t int_min = 0, int_max = 0;  // kInt, inclusive bounds
  double min = 0, max = 0;           // kDouble [min, max); kLog [min, max], log-uniform
  int grid_count = 0;                // points on the grid for kInt/kDouble/kLog (grid searcher)
  std::vector<HparamValue> values;   // kCategorical
};

const char* HyperparameterTypeName(HyperparameterType type);  // "const", "int", ...

// The points the grid searcher visits: kConst one value, kCategorical all of them in order,
// kInt `grid_count` evenly spaced integers (rounded, duplicates dropped), kDouble evenly spaced
// from min to max inclusive, kLog evenly spaced in log space. `grid_count` 1 gives minval.
// Requires grid_count >= 1 for kInt/kDouble/kLog.
std::vector<HparamValue> GridValues(const Hyperparameter& hp);

// One random draw. Uses only raw 64-bit outputs of `rng` (not std:: distributions, whose
// algorithms differ between standard libraries) so a snapshotted generator replays exactly.
HparamValue Sample(const Hyperparameter& hp, std::mt19937_64& rng);

// Uniform double in [0, 1) from the top 53 bits of one draw.
double UniformUnit(std::mt19937_64& rng);

std::string HparamValueToString(const HparamValue& value);
nlohmann::json HparamsToJson(const Hparams& hparams);
// Inverse of HparamsToJson; JSON integers become int64_t, other numbers double.
bool HparamsFromJson(const nlohmann::json& json, Hparams* hparams);

}  // namespace cascade::scan
