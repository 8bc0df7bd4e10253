#include "common/scan/hyperparameter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace cascade::scan {

const char* HyperparameterTypeName(HyperparameterType type) {
  switch (type) {
    case HyperparameterType::kConst:
      return "const";
    case HyperparameterType::kInt:
      return "int";
    case HyperparameterType::kDouble:
      return "double";
    case HyperparameterType::kLog:
      return "log";
    case HyperparameterType::kCategorical:
      return "categorical";
  }
  return "?";
}

namespace {

// Evenly spaced points t_i = i / (count - 1) in [0, 1]; {0} for count 1.
std::vector<double> UnitGrid(int count) {
  std::vector<double> t;
  if (count == 1) return {0.0};
  for (int i = 0; i < count; ++i) t.push_back(static_cast<double>(i) / (count - 1));
  return t;
}

}  // namespace

std::vector<HparamValue> GridValues(const Hyperparameter& hp) {
  std::vector<HparamValue> out;
  switch (hp.type) {
    case HyperparameterType::kConst:
      out.push_back(hp.value);
      break;
    case HyperparameterType::kCategorical:
      out = hp.values;
      break;
    case HyperparameterType::kInt:
      for (double t : UnitGrid(hp.grid_count)) {
        const double span = static_cast<double>(hp.int_max - hp.int_min);
        const int64_t v = hp.int_min + static_cast<int64_t>(std::llround(t * span));
        if (out.empty() || std::get<int64_t>(out.back()) != v)
          out.emplace_back(std::in_place_type<int64_t>, v);
      }
      break;
    case HyperparameterType::kDouble:
      for (double t : UnitGrid(hp.grid_count)) {
        // The end points exactly as written: min + 1 * (max - min) may round away from max.
        const double v = t == 1.0 ? hp.max : hp.min + t * (hp.max - hp.min);
        out.emplace_back(std::in_place_type<double>, v);
      }
      break;
    case HyperparameterType::kLog: {
      const double lo = std::log(hp.min), hi = std::log(hp.max);
      for (double t : UnitGrid(hp.grid_count)) {
        // exp(log(x)) != x in floating point: keep the written end points exact.
        const double v = t == 0.0 ? hp.min : t == 1.0 ? hp.max : std::exp(lo + t * (hi - lo));
        out.emplace_back(std::in_place_type<double>, v);
      }
      break;
    }
  }
  return out;
}

double UniformUnit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

namespace {

// Uniform integer in [0, n) by rejection, so no value is favoured for any n.
uint64_t UniformBelow(uint64_t n, std::mt19937_64& rng) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

}  // namespace

HparamValue Sample(const Hyperparameter& hp, std::mt19937_64& rng) {
  switch (hp.type) {
    case HyperparameterType::kConst:
      return hp.value;
    case HyperparameterType::kCategorical:
      return hp.values[UniformBelow(hp.values.size(), rng)];
    case HyperparameterType::kInt: {
      // The parser bounds int ranges to +-2^53, so the span fits and is exact in a double.
      const uint64_t span = static_cast<uint64_t>(hp.int_max - hp.int_min);
      return hp.int_min + static_cast<int64_t>(UniformBelow(span + 1, rng));
    }
    case HyperparameterType::kDouble:
      return hp.min + UniformUnit(rng) * (hp.max - hp.min);
    case HyperparameterType::kLog: {
      const double lo = std::log(hp.min), hi = std::log(hp.max);
      return std::exp(lo + UniformUnit(rng) * (hi - lo));
    }
  }
  return hp.value;
}

std::string HparamValueToString(const HparamValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return absl::StrCat(v); }
    std::string operator()(double v) const { return absl::StrCat(v); }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
  };
  return std::visit(Visitor{}, value);
}

nlohmann::json HparamsToJson(const Hparams& hparams) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& entry : hparams) {  // not a structured binding: clang 14 cannot capture one
    std::visit([&](const auto& v) { out[entry.first] = v; }, entry.second);
  }
  return out;
}

bool HparamsFromJson(const nlohmann::json& json, Hparams* hparams) {
  if (!json.is_object()) return false;
  hparams->clear();
  for (const auto& [name, v] : json.items()) {
    if (v.is_boolean()) {
      (*hparams)[name] = v.get<bool>();
    } else if (v.is_number_integer()) {
      (*hparams)[name] = v.get<int64_t>();
    } else if (v.is_number()) {
      (*hparams)[name] = v.get<double>();
    } else if (v.is_string()) {
      (*hparams)[name] = v.get<std::string>();
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace cascade::scan
