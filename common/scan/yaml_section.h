// Typed, path-aware reading of one YAML mapping of the scan spec. Every error it returns names the
// full field path, why, and where ("searcher.divisor: must be >= 2 (line 7, column 12)"); keys
// that were never read are reported by CheckNoUnknownKeys, so a typo is an error, not a default.
// Never throws: yaml-cpp is only asked through non-throwing calls (IsMap, convert<T>::decode).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

namespace cascade::scan {

class YamlSection {
 public:
  // `node` must be a mapping (or null/absent, read as empty); `path` is its dotted path ("" =
  // root).
  static absl::StatusOr<YamlSection> Open(const YAML::Node& node, std::string path);

  bool Has(absl::string_view key) const;
  // The raw child (marked as read); an invalid node when absent.
  YAML::Node Child(absl::string_view key) const;
  absl::StatusOr<YamlSection> Section(absl::string_view key) const;

  // Each getter leaves *out unchanged when the key is absent (the default stays), and fails on a
  // value of the wrong type.
  absl::Status Read(absl::string_view key, int* out) const;
  absl::Status Read(absl::string_view key, int64_t* out) const;
  absl::Status Read(absl::string_view key, uint64_t* out) const;
  absl::Status Read(absl::string_view key, double* out) const;  // finite numbers only
  absl::Status Read(absl::string_view key, bool* out) const;
  absl::Status Read(absl::string_view key, std::string* out) const;
  absl::Status Read(absl::string_view key, std::vector<std::string>* out) const;

  absl::Status Require(absl::string_view key) const;  // "<path>.<key>: required"
  // Error at a child key ("<path>.<key>: <why> (line, column)"), or at this section if key = "".
  absl::Status Error(absl::string_view key, absl::string_view why) const;
  std::string PathOf(absl::string_view key) const;
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  // The keys of this mapping in document order (strings only; others are reported as errors).
  absl::StatusOr<std::vector<std::string>> Keys() const;
  absl::Status CheckNoUnknownKeys() const;

 private:
  YamlSection(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}

  YAML::Node node_;
  std::string path_;
  mutable std::set<std::string, std::less<>> read_;  // keys asked for so far
};

// "<path>: <why> (line L, column C)" with 1-based positions from the node's mark.
absl::Status FieldError(absl::string_view path, const YAML::Node& at, absl::string_view why);

}  // namespace cascade::scan
