#include "cli/command.h"

namespace cascade::cli {

void RegisterModelCommands(CLI::App& app, CommandContext& ctx) {}

}  // namespace cascade::cli
