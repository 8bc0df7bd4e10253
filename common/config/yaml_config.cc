#include "common/config/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <memory>
#include <sstream>

namespace cascade::config {
namespace {

std::string FlagName(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

[[noreturn]] void Fail(const std::string& what) { throw CLI::ConversionError("--config", what); }

}  // namespace

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  YAML::Node root;
  try {
    root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    Fail(std::string("YAML syntax error: ") + e.what());
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap()) Fail("the config file must be a YAML mapping of flag names to values");
  for (const auto& kv : root) {
    CLI::ConfigItem item;
    item.name = FlagName(kv.first.as<std::string>());
    const YAML::Node& value = kv.second;
    if (value.IsScalar()) {
      item.inputs.push_back(value.as<std::string>());
    } else if (value.IsSequence()) {
      for (const auto& v : value) {
        if (!v.IsScalar()) Fail("key " + item.name + ": list items must be scalars");
        item.inputs.push_back(v.as<std::string>());
      }
    } else if (value.IsNull()) {
      Fail("key " + item.name + ": has no value");
    } else {
      Fail("key " + item.name + ": nested mappings are not flags");
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool write_description,
                                  std::string prefix) const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const CLI::Option* opt : app->get_options()) {
    const std::string& name = opt->get_single_name();
    if (opt->get_lnames().empty() || name == "help" || name == "version" || name == "config") {
      continue;
    }
    std::vector<std::string> values = opt->reduced_results();
    if (values.empty() && default_also && !opt->get_default_str().empty()) {
      values.push_back(opt->get_default_str());
    }
    if (values.empty()) continue;
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    if (write_description && !opt->get_description().empty()) {
      out << YAML::Comment(opt->get_description());
    }
    out << YAML::Key << key << YAML::Value;
    if (values.size() == 1 && opt->get_expected_max() <= 1) {
      out << values[0];
    } else {
      out << YAML::Flow << values;
    }
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void AddYamlConfigFlag(CLI::App& app) {
  app.config_formatter(std::make_shared<YamlConfig>());
  app.set_config("--config", "", "YAML file of flag values (keys are flag names)");
  app.allow_config_extras(CLI::config_extras_mode::error);
}

}  // namespace cascade::config
