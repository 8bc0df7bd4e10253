// YamlConfig: lets every Cascade binary read its flags from a YAML file (`--config FILE`), so a
// site service (systemd) keeps its settings in /etc/cascade/*.yaml instead of a long ExecStart.
// Keys are the long flag names with '-' or '_' (`metrics_port: 9090` == `--metrics-port 9090`);
// lists give repeated values. A flag on the command line wins over the file (CLI11's order).
// Unknown keys are errors (the caller sets allow_config_extras(error)), naming the key.
#pragma once

#include <CLI/CLI.hpp>
#include <istream>
#include <string>
#include <vector>

namespace cascade::config {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Adds `--config FILE` to `app` with YamlConfig and unknown keys rejected.
void AddYamlConfigFlag(CLI::App& app);

}  // namespace cascade::config
