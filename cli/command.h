// How `cascade` subcommands plug into the CLI: each family of commands lives in its own file
// and registers its CLI11 subcommands here; the callback stores the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace cascade::cli {

// Exit codes shared by every subcommand (documented in docs/cli.md).
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,      // the operation ran and failed (I/O error, training diverged, ...)
  kUsage = 2,        // bad flags or arguments (CLI11's own parse errors also exit 2)
  kBadInput = 3,     // an input file or spec is invalid
  kUnavailable = 4,  // a service (coordinator) could not be reached
};

struct CommandContext {
  int exit_code = kOk;
};

void RegisterModelCommands(CLI::App& app, CommandContext& ctx);    // model summary, train, generate
void RegisterDataCommands(CLI::App& app, CommandContext& ctx);     // simulate
void RegisterPhysicsCommands(CLI::App& app, CommandContext& ctx);  // validate
// submit, scans, status, watch, trials, metrics, best, cancel, pause, resume, workers
void RegisterServiceCommands(CLI::App& app, CommandContext& ctx);
void RegisterAdminCommands(CLI::App& app, CommandContext& ctx);  // admin token ..., admin backup
// completion bash|zsh; registered last so it sees every other command
void RegisterCompletionCommand(CLI::App& app, CommandContext& ctx);

}  // namespace cascade::cli
