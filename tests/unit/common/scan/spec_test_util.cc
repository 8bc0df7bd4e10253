#include "tests/unit/common/scan/spec_test_util.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "yaml-cpp/yaml.h"

namespace cascade::scan::testing {

std::string BaseSpecYaml() {
  return R"(name: unit-test-scan
data:
  simulate: {events: 100, files: 2, seed: 3}
hyperparameters:
  lr: {type: log, minval: 1.0e-4, maxval: 1.0e-2}
  batch_per_worker: {type: categorical, vals: [8, 16]}
searcher:
  name: random
  max_trials: 4
epochs: 2
)";
}

namespace {

// yaml-cpp nodes are handles: assigning to node[key] would rebind, so recurse instead.
void SetPath(YAML::Node node, const std::vector<std::string>& keys, size_t i,
             const std::string& value) {
  const std::string& key = keys[i];
  if (i + 1 == keys.size()) {
    if (value == "~delete") {
      node.remove(key);
    } else {
      node[key] = YAML::Load(value);
    }
    return;
  }
  if (!node[key] || !node[key].IsMap()) node[key] = YAML::Node(YAML::NodeType::Map);
  SetPath(node[key], keys, i + 1, value);
}

}  // namespace

std::string WithField(const std::string& yaml, const std::string& path, const std::string& value) {
  YAML::Node root = YAML::Load(yaml);
  SetPath(root, absl::StrSplit(path, '.'), 0, value);
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

}  // namespace cascade::scan::testing
