// Builders for scan-spec tests: a valid base spec and a way to change one field of it by path.
#pragma once

#include <string>

namespace cascade::scan::testing {

// A small valid spec (random searcher, simulated data) that every bad-spec case mutates.
std::string BaseSpecYaml();

// `yaml` with the field at dotted `path` replaced by the YAML `value` ("~delete" removes it).
// Intermediate mappings are created as needed.
std::string WithField(const std::string& yaml, const std::string& path, const std::string& value);

}  // namespace cascade::scan::testing
