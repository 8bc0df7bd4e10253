#pragma once
#include "cli/command.h"
namespace cascade::cli {
void RegisterGenerateCommand(CLI::App& app, CommandContext& ctx);
}  // namespace cascade::cli
