// Renders ObservableComparisons to PNG with Debian's gnuplot: one data file and one script per
// plot, all scripts run by a single gnuplot process (starting gnuplot costs more than a plot).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/physics/validation_report.h"

namespace cascade::physics {

// One plot to draw: `stem` is the path of the .dat/.gp/.png files relative to the plot root.
struct PlotRequest {
  std::string stem;
  std::string subtitle;  // the energy bin
  bool log_y = false;
  const ObservableComparison* observable = nullptr;
};

// Writes <root>/<stem>.dat and .gp for every request: reference vs candidate in a main panel
// (log axes as requested) and candidate/reference in a ratio panel. pngcairo when gnuplot has
// it, png otherwise.
absl::Status WritePlotScripts(const std::string& root, const std::vector<PlotRequest>& plots);

// Runs `gnuplot` (looked up in PATH) on all scripts inside `root`. FailedPrecondition if
// gnuplot is not installed; Internal if it exits with an error.
absl::Status RunGnuplot(const std::string& gnuplot, const std::string& root,
                        const std::vector<PlotRequest>& plots);

}  // namespace cascade::physics
