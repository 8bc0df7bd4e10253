// `cascade model summary`, `cascade train`, `cascade generate`.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/generate_command.h"
#include "cli/train_command.h"
#include "common/gan/model_summary.h"

namespace cascade::cli {
namespace {

struct SummaryFlags {
  std::string filters = "original";
  std::string bn_axis = "last";
  std::string output = "table";
};

int RunSummary(const SummaryFlags& flags) {
  gan::ModelConfig config;
  auto filters = gan::ParseFilters(flags.filters);
  auto axis = gan::ParseBnAxis(flags.bn_axis);
  if (!filters.ok() || !axis.ok()) {
    std::cerr << "cascade model summary: "
              << (!filters.ok() ? filters.status().message() : axis.status().message()) << "\n";
    return kUsage;
  }
  config.filters = *filters;
  config.bn_axis = *axis;
  auto summary = gan::Summarize(config);
  if (!summary.ok()) {
    std::cerr << "cascade model summary: " << summary.status().message() << "\n";
    return kFailure;
  }
  std::cout << (flags.output == "json" ? gan::SummaryJson(*summary) + "\n"
                                       : gan::SummaryTable(*summary));
  return kOk;
}

}  // namespace

void RegisterModelCommands(CLI::App& app, CommandContext& ctx) {
  auto* model = app.add_subcommand("model", "Inspect the 3DGAN architecture");
  model->require_subcommand(1);
  auto* summary = model->add_subcommand("summary", "Keras-like table of layers and parameters");
  auto flags = std::make_shared<SummaryFlags>();
  summary->add_option("--filters", flags->filters, "original | 16 | tiny (plumbing tests)")
      ->check(CLI::IsMember({"original", "16", "tiny"}))
      ->capture_default_str();
  summary
      ->add_option("--bn-axis", flags->bn_axis,
                   "channel (Keras channels_last) | last (published counts)")
      ->check(CLI::IsMember({"channel", "last"}))
      ->capture_default_str();
  summary->add_option("-o,--output", flags->output, "table | json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  summary->callback([flags, &ctx] { ctx.exit_code = RunSummary(*flags); });

  RegisterTrainCommand(app, ctx);
  RegisterGenerateCommand(app, ctx);
}

}  // namespace cascade::cli
