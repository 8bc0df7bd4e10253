#include "common/scan/yaml_section.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cascade::scan {

absl::Status FieldError(absl::string_view path, const YAML::Node& at, absl::string_view why) {
  std::string where;
  if (at.IsDefined()) {
    const YAML::Mark mark = at.Mark();
    if (mark.line >= 0)
      where = absl::StrCat(" (line ", mark.line + 1, ", column ", mark.column + 1, ")");
  }
  return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "spec" : path, ": ", why, where));
}

absl::StatusOr<YamlSection> YamlSection::Open(const YAML::Node& node, std::string path) {
  // An absent key yields a yaml-cpp "zombie" node that throws on most calls: replace it.
  if (!node.IsDefined()) return YamlSection(YAML::Node(YAML::NodeType::Undefined), std::move(path));
  if (!node.IsNull() && !node.IsMap()) {
    return FieldError(path, node, "must be a mapping of key: value");
  }
  return YamlSection(node, std::move(path));
}

std::string YamlSection::PathOf(absl::string_view key) const {
  if (key.empty()) return path_;
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

absl::Status YamlSection::Error(absl::string_view key, absl::string_view why) const {
  if (key.empty()) return FieldError(path_, node_, why);
  const YAML::Node child = Child(key);
  return FieldError(PathOf(key), child.IsDefined() ? child : node_, why);
}

bool YamlSection::Has(absl::string_view key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node child = node_[std::string(key)];
  return child.IsDefined() && !child.IsNull();
}

YAML::Node YamlSection::Child(absl::string_view key) const {
  read_.emplace(key);
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = node_[std::string(key)];
  if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);  // never a zombie
  return child;
}

absl::StatusOr<YamlSection> YamlSection::Section(absl::string_view key) const {
  return Open(Child(key), PathOf(key));
}

absl::Status YamlSection::Require(absl::string_view key) const {
  if (Has(key)) return absl::OkStatus();
  return FieldError(PathOf(key), node_, "required");
}

namespace {

// Scalars only: yaml-cpp would otherwise happily decode "[1]" into some types.
template <typename T>
absl::Status Decode(const YamlSection& s, absl::string_view key, T* out, absl::string_view what) {
  if (!s.Has(key)) return absl::OkStatus();
  const YAML::Node child = s.Child(key);
  T value{};
  if (!child.IsScalar() || !YAML::convert<T>::decode(child, value)) {
    return s.Error(key, absl::StrCat("must be ", what, ", got '",
                                     child.IsScalar() ? child.Scalar() : "a non-scalar", "'"));
  }
  *out = value;
  return absl::OkStatus();
}

}  // namespace

absl::Status YamlSection::Read(absl::string_view key, int* out) const {
  return Decode(*this, key, out, "an integer");
}
absl::Status YamlSection::Read(absl::string_view key, int64_t* out) const {
  return Decode(*this, key, out, "an integer");
}
absl::Status YamlSection::Read(absl::string_view key, uint64_t* out) const {
  // convert<uint64_t> accepts "-1" (stream wrap-around), so reject a sign explicitly.
  if (Has(key) && Child(key).IsScalar() && absl::StrContains(Child(key).Scalar(), "-")) {
    return Error(key,
                 absl::StrCat("must be a non-negative integer, got '", Child(key).Scalar(), "'"));
  }
  return Decode(*this, key, out, "a non-negative integer");
}
absl::Status YamlSection::Read(absl::string_view key, double* out) const {
  double value = *out;
  if (absl::Status s = Decode(*this, key, &value, "a number"); !s.ok()) return s;
  if (!std::isfinite(value)) return Error(key, "must be a finite number");
  *out = value;
  return absl::OkStatus();
}
absl::Status YamlSection::Read(absl::string_view key, bool* out) const {
  return Decode(*this, key, out, "true or false");
}
absl::Status YamlSection::Read(absl::string_view key, std::string* out) const {
  return Decode(*this, key, out, "a string");
}

absl::Status YamlSection::Read(absl::string_view key, std::vector<std::string>* out) const {
  if (!Has(key)) return absl::OkStatus();
  const YAML::Node list = Child(key);
  if (list.IsScalar()) {  // a single path is a one-element list
    out->assign(1, list.Scalar());
    return absl::OkStatus();
  }
  if (!list.IsSequence()) return Error(key, "must be a list of strings");
  std::vector<std::string> values;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].IsScalar()) {
      return FieldError(absl::StrCat(PathOf(key), "[", i, "]"), list[i], "must be a string");
    }
    values.push_back(list[i].Scalar());
  }
  *out = std::move(values);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> YamlSection::Keys() const {
  std::vector<std::string> keys;
  if (!node_.IsMap()) return keys;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) return FieldError(path_, kv.first, "keys must be plain names");
    keys.push_back(kv.first.Scalar());
  }
  return keys;
}

absl::Status YamlSection::CheckNoUnknownKeys() const {
  if (!node_.IsMap()) return absl::OkStatus();
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) return FieldError(path_, kv.first, "keys must be plain names");
    // yaml-cpp keeps duplicate keys and lookups see only the first: refuse the ambiguity.
    if (!seen.insert(kv.first.Scalar()).second) {
      return FieldError(PathOf(kv.first.Scalar()), kv.first, "duplicate field");
    }
    if (read_.count(kv.first.Scalar()) == 0) {
      return FieldError(PathOf(kv.first.Scalar()), kv.first, "unknown field");
    }
  }
  return absl::OkStatus();
}

}  // namespace cascade::scan
