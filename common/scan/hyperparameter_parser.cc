#include "common/scan/hyperparameter_parser.h"

#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/scan/spec_parser.h"
#include "common/status_macros.h"

namespace cascade::scan {
namespace {

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

absl::StatusOr<HyperparameterType> ParseType(const YamlSection& s) {
  std::string type;
  CASCADE_RETURN_IF_ERROR(s.Require("type"));
  CASCADE_RETURN_IF_ERROR(s.Read("type", &type));
  if (type == "const") return HyperparameterType::kConst;
  if (type == "int") return HyperparameterType::kInt;
  if (type == "double") return HyperparameterType::kDouble;
  if (type == "log") return HyperparameterType::kLog;
  if (type == "categorical") return HyperparameterType::kCategorical;
  return s.Error("type", absl::StrCat("must be one of const, int, double, log, categorical; got '",
                                      type, "'"));
}

absl::Status ParseRange(const YamlSection& s, Hyperparameter* hp) {
  const char* type = HyperparameterTypeName(hp->type);
  CASCADE_RETURN_IF_ERROR(s.Require("minval"));
  CASCADE_RETURN_IF_ERROR(s.Require("maxval"));
  if (hp->type == HyperparameterType::kInt) {
    CASCADE_RETURN_IF_ERROR(s.Read("minval", &hp->int_min));
    CASCADE_RETURN_IF_ERROR(s.Read("maxval", &hp->int_max));
    // Keeps every span exact in a double and free of int64 overflow.
    constexpr int64_t kLimit = int64_t{1} << 53;
    for (const auto& [key, v] :
         {std::pair{"minval", hp->int_min}, std::pair{"maxval", hp->int_max}}) {
      if (v < -kLimit || v > kLimit) return s.Error(key, "must be within +-2^53");
    }
    if (hp->int_max < hp->int_min) return s.Error("maxval", "must be >= minval");
  } else {
    CASCADE_RETURN_IF_ERROR(s.Read("minval", &hp->min));
    CASCADE_RETURN_IF_ERROR(s.Read("maxval", &hp->max));
    if (hp->type == HyperparameterType::kLog && !(hp->min > 0)) {
      return s.Error("minval", absl::StrCat("must be > 0 for type ", type));
    }
    if (hp->max < hp->min) return s.Error("maxval", "must be >= minval");
    if (!std::isfinite(hp->max - hp->min)) return s.Error("maxval", "range too large");
  }
  if (s.Has("count")) {
    CASCADE_RETURN_IF_ERROR(s.Read("count", &hp->grid_count));
    if (hp->grid_count < 1 || hp->grid_count > kMaxGridPoints) {
      return s.Error("count", absl::StrCat("must be in [1, ", kMaxGridPoints, "]"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Hyperparameter> ParseOne(const YAML::Node& node, const std::string& path) {
  Hyperparameter hp;
  if (node.IsScalar()) {  // `lr: 0.001` is shorthand for {type: const, val: 0.001}
    CASCADE_ASSIGN_OR_RETURN(hp.value, ScalarValue(node, path));
    return hp;
  }
  if (!node.IsMap()) return FieldError(path, node, "must be a value or a mapping with `type`");
  CASCADE_ASSIGN_OR_RETURN(YamlSection s, YamlSection::Open(node, path));
  CASCADE_ASSIGN_OR_RETURN(hp.type, ParseType(s));
  switch (hp.type) {
    case HyperparameterType::kConst: {
      CASCADE_RETURN_IF_ERROR(s.Require("val"));
      CASCADE_ASSIGN_OR_RETURN(hp.value, ScalarValue(s.Child("val"), s.PathOf("val")));
      break;
    }
    case HyperparameterType::kInt:
    case HyperparameterType::kDouble:
    case HyperparameterType::kLog:
      CASCADE_RETURN_IF_ERROR(ParseRange(s, &hp));
      break;
    case HyperparameterType::kCategorical: {
      CASCADE_RETURN_IF_ERROR(s.Require("vals"));
      const YAML::Node vals = s.Child("vals");
      if (!vals.IsSequence() || vals.size() == 0) {
        return s.Error("vals", "must be a non-empty list of values");
      }
      for (size_t i = 0; i < vals.size(); ++i) {
        CASCADE_ASSIGN_OR_RETURN(HparamValue v,
                                 ScalarValue(vals[i], absl::StrCat(s.PathOf("vals"), "[", i, "]")));
        hp.values.push_back(std::move(v));
      }
      break;
    }
  }
  CASCADE_RETURN_IF_ERROR(s.CheckNoUnknownKeys());
  return hp;
}

// Every value `hp` can produce satisfies `ok` (checked on the bounds for ranges).
bool AllValues(const Hyperparameter& hp, const std::function<bool(const HparamValue&)>& ok) {
  switch (hp.type) {
    case HyperparameterType::kConst:
      return ok(hp.value);
    case HyperparameterType::kCategorical:
      for (const auto& v : hp.values) {
        if (!ok(v)) return false;
      }
      return true;
    case HyperparameterType::kInt:
      return ok(hp.int_min) && ok(hp.int_max);
    case HyperparameterType::kDouble:
    case HyperparameterType::kLog:
      return ok(hp.min) && ok(hp.max);
  }
  return false;
}

std::optional<double> AsNumber(const HparamValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

// Names the trainer reads, and what their values must be (docs/scan-spec.md).
struct KnownHparam {
  const char* name;
  const char* rule;
  std::function<bool(const HparamValue&)> ok;
};

const std::vector<KnownHparam>& KnownHparams() {
  static const auto* known = new std::vector<KnownHparam>{
      {"lr", "must be a number > 0",
       [](const HparamValue& v) { return AsNumber(v).value_or(0) > 0; }},
      {"batch_per_worker", "must be an integer >= 1",
       [](const HparamValue& v) {
         return std::holds_alternative<int64_t>(v) && std::get<int64_t>(v) >= 1;
       }},
      {"loss_weight_bce", "must be a number >= 0",
       [](const HparamValue& v) { return AsNumber(v).value_or(-1) >= 0; }},
      {"loss_weight_ep", "must be a number >= 0",
       [](const HparamValue& v) { return AsNumber(v).value_or(-1) >= 0; }},
      {"loss_weight_ecal", "must be a number >= 0",
       [](const HparamValue& v) { return AsNumber(v).value_or(-1) >= 0; }},
  };
  return *known;
}

}  // namespace

absl::StatusOr<HparamValue> ScalarValue(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) return FieldError(path, node, "must be a scalar value");
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  int64_t i;
  if (YAML::convert<int64_t>::decode(node, i)) return i;
  double d;
  if (YAML::convert<double>::decode(node, d)) {
    if (!std::isfinite(d)) return FieldError(path, node, "must be a finite number");
    return d;
  }
  bool b;
  if (YAML::convert<bool>::decode(node, b)) return b;
  return text;
}

absl::StatusOr<std::map<std::string, Hyperparameter>> ParseHyperparameters(
    const YamlSection& section) {
  std::map<std::string, Hyperparameter> out;
  CASCADE_ASSIGN_OR_RETURN(std::vector<std::string> names, section.Keys());
  for (const std::string& name : names) {
    const std::string path = section.PathOf(name);
    if (!IsIdentifier(name)) {
      return section.Error(name, "name must be letters, digits and _ (not starting with a digit)");
    }
    CASCADE_ASSIGN_OR_RETURN(Hyperparameter hp, ParseOne(section.Child(name), path));
    for (const KnownHparam& known : KnownHparams()) {
      if (name == known.name && !AllValues(hp, known.ok)) return section.Error(name, known.rule);
    }
    out.emplace(name, std::move(hp));
  }
  CASCADE_RETURN_IF_ERROR(section.CheckNoUnknownKeys());  // duplicates
  return out;
}

absl::Status CheckHyperparametersForSearcher(const ScanSpec& spec, const YamlSection& section) {
  if (spec.searcher.kind != SearcherKind::kGrid) return absl::OkStatus();
  for (const auto& [name, hp] : spec.hyperparameters) {
    const bool ranged = hp.type == HyperparameterType::kInt ||
                        hp.type == HyperparameterType::kDouble ||
                        hp.type == HyperparameterType::kLog;
    if (ranged && hp.grid_count == 0) {
      return FieldError(absl::StrCat(section.PathOf(name), ".count"), section.Child(name),
                        "required for the grid searcher");
    }
  }
  if (GridSize(spec) > kMaxGridPoints) {
    return section.Error("", absl::StrCat("grid has more than ", kMaxGridPoints, " points"));
  }
  return absl::OkStatus();
}

}  // namespace cascade::scan
