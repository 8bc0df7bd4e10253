// Where the service commands connect and which token they send. Every setting is taken from the
// first source that has it: command-line flag, environment variable, config file, built-in
// default (docs/cli.md, "Connecting to a coordinator"). Environment lookups go through a function
// so tests resolve against a fake environment instead of the process's.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/rpc/channel.h"

namespace cascade::cli {

inline constexpr char kDefaultCoordinator[] = "localhost:7070";

// The connection flags every service subcommand accepts ("" = not given).
struct ConnectionFlags {
  std::string coordinator;  // --coordinator HOST:PORT
  std::string token;        // --token T
  std::string token_file;   // --token-file F
  std::string tls_ca;       // --tls-ca F
};

// Returns the value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment (std::getenv); an empty variable counts as unset.
EnvLookup ProcessEnv();

struct ResolvedConnection {
  rpc::ClientOptions options;
  // Where the token came from, for error hints: "--token-file /x", "CASCADE_TOKEN", "token_file
  // in /home/a/.config/cascade/config.yaml", or "" when no token is sent.
  std::string token_source;
  std::string config_file;  // the config file that was read, "" if none
};

// $CASCADE_CONFIG, else $HOME/.config/cascade/config.yaml ("" without HOME).
std::string ConfigFilePath(const EnvLookup& env);

// Applies flag > env > config file > default to every setting and reads the token file.
// Errors name the file and the setting: NotFound for a missing token file or a missing file named
// by $CASCADE_CONFIG (a missing default config file is not an error), InvalidArgument for a
// malformed config file, an unknown key in it, or a token file that is empty or readable by others.
absl::StatusOr<ResolvedConnection> ResolveConnection(const ConnectionFlags& flags,
                                                     const EnvLookup& env);

}  // namespace cascade::cli
