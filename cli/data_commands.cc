#include "cli/command.h"

namespace cascade::cli {

void RegisterDataCommands(CLI::App& app, CommandContext& ctx) {}

}  // namespace cascade::cli
