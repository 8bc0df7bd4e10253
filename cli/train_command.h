#pragma once
#include "cli/command.h"
namespace cascade::cli {
void RegisterTrainCommand(CLI::App& app, CommandContext& ctx);
}  // namespace cascade::cli
