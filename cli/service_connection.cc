#include "cli/service_connection.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"

namespace cascade::cli {
namespace {

// Settings read from the config file, with the file they came from.
struct ConfigValues {
  std::optional<std::string> coordinator;
  std::optional<std::string> token_file;
  std::optional<std::string> tls_ca;
};

// "~/x" -> "$HOME/x"; a relative path is taken relative to the config file's folder, so a config
// that says `token_file: token` works from any working directory.
std::string ConfigPath(const std::string& value, const std::string& config_file,
                       const EnvLookup& env) {
  if (value.rfind("~/", 0) == 0) {
    if (auto home = env("HOME")) return *home + value.substr(1);
  }
  std::filesystem::path path(value);
  if (path.is_relative()) {
    return (std::filesystem::path(config_file).parent_path() / path).lexically_normal().string();
  }
  return value;
}

absl::StatusOr<ConfigValues> ReadConfig(const std::string& file, const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat("config file ", file, ": cannot be read"));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config file ", file, ": ", e.what()));
  }
  ConfigValues values;
  if (root.IsNull()) return values;
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config file ", file, ": expected a mapping of coordinator, token_file, tls_ca"));
  }
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>("");
    if (!item.second.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config file ", file, ": ", key, ": expected a string"));
    }
    const std::string value = item.second.as<std::string>();
    if (key == "coordinator") {
      values.coordinator = value;
    } else if (key == "token_file") {
      values.token_file = ConfigPath(value, file, env);
    } else if (key == "tls_ca") {
      values.tls_ca = ConfigPath(value, file, env);
    } else {
      // A raw `token:` is refused on purpose: config files get copied and shown around.
      return absl::InvalidArgumentError(
          absl::StrCat("config file ", file, ": ", key,
                       ": unknown key (known: coordinator, token_file, tls_ca)"));
    }
  }
  return values;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

std::string ConfigFilePath(const EnvLookup& env) {
  if (auto path = env("CASCADE_CONFIG")) return *path;
  if (auto home = env("HOME")) return *home + "/.config/cascade/config.yaml";
  return "";
}

absl::StatusOr<ResolvedConnection> ResolveConnection(const ConnectionFlags& flags,
                                                     const EnvLookup& env) {
  ResolvedConnection out;
  ConfigValues config;
  const std::string config_file = ConfigFilePath(env);
  const bool explicit_config = env("CASCADE_CONFIG").has_value();
  if (!config_file.empty() && (explicit_config || std::filesystem::exists(config_file))) {
    auto read = ReadConfig(config_file, env);
    if (!read.ok()) {
      if (explicit_config && absl::IsNotFound(read.status())) {
        return absl::NotFoundError(
            absl::StrCat(read.status().message(), " (named by CASCADE_CONFIG)"));
      }
      return read.status();
    }
    config = *read;
    out.config_file = config_file;
  }

  // First non-empty of flag, env, config; `source` describes the winner.
  auto pick = [&](const std::string& flag, const char* flag_name, const char* env_name,
                  const std::optional<std::string>& config_value, const char* config_key,
                  std::string* source) -> std::optional<std::string> {
    if (!flag.empty()) {
      *source = flag_name;
      return flag;
    }
    if (auto value = env(env_name)) {
      *source = env_name;
      return value;
    }
    if (config_value && !config_value->empty()) {
      *source = absl::StrCat(config_key, " in ", config_file);
      return config_value;
    }
    return std::nullopt;
  };

  std::string ignored;
  out.options.address = pick(flags.coordinator, "--coordinator", "CASCADE_COORDINATOR",
                             config.coordinator, "coordinator", &ignored)
                            .value_or(kDefaultCoordinator);
  out.options.tls_ca =
      pick(flags.tls_ca, "--tls-ca", "CASCADE_TLS_CA", config.tls_ca, "tls_ca", &ignored)
          .value_or("");

  // A token given directly wins over a token file from the same or a lower source.
  if (!flags.token.empty()) {
    out.options.token = flags.token;
    out.token_source = "--token";
    return out;
  }
  if (flags.token_file.empty()) {
    if (auto token = env("CASCADE_TOKEN")) {
      out.options.token = *token;
      out.token_source = "CASCADE_TOKEN";
      return out;
    }
  }
  std::string source;
  auto token_file = pick(flags.token_file, "--token-file", "CASCADE_TOKEN_FILE", config.token_file,
                         "token_file", &source);
  if (!token_file) return out;  // no token: the coordinator answers UNAUTHENTICATED
  auto token = rpc::ReadTokenFile(*token_file);
  if (!token.ok()) {
    return absl::Status(token.status().code(),
                        absl::StrCat(token.status().message(), " (set by ", source, ")"));
  }
  out.options.token = *token;
  out.token_source = absl::StrCat(source, " (", *token_file, ")");
  return out;
}

}  // namespace cascade::cli
