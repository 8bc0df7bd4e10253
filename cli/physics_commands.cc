#include "cli/command.h"

namespace cascade::cli {

void RegisterPhysicsCommands(CLI::App& app, CommandContext& ctx) {}

}  // namespace cascade::cli
