// `cascade`: the command-line front end (offline tools and the coordinator's service commands).
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"cascade — train, scan and validate the 3DGAN calorimeter simulator"};
  app.set_version_flag("--version", std::string("cascade ") + cascade::kVersion);
  app.require_subcommand(1);
  cascade::cli::CommandContext ctx;
  cascade::cli::RegisterModelCommands(app, ctx);
  cascade::cli::RegisterDataCommands(app, ctx);
  cascade::cli::RegisterPhysicsCommands(app, ctx);
  cascade::cli::RegisterServiceCommands(app, ctx);
  cascade::cli::RegisterAdminCommands(app, ctx);
  cascade::cli::RegisterCompletionCommand(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : cascade::cli::kUsage;
  }
  return ctx.exit_code;
}
