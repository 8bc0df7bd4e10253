// Writes a ValidationReport as a directory a physicist can open: metrics.json, one PNG per
// observable and energy bin (reference vs candidate with a ratio panel), and index.html.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/physics/validation_report.h"

namespace cascade::physics {

struct ReportWriterOptions {
  bool plots = true;                // false: metrics.json + index.html tables only
  std::string gnuplot = "gnuplot";  // executable, looked up in PATH
};

// Layout: DIR/metrics.json, DIR/index.html, DIR/plots/<bin>/<observable>.{dat,gp,png}.
// Profiles are drawn twice (linear and log y, as in the 3DGAN plots). The JSON is written first,
// so a missing gnuplot (FailedPrecondition) still leaves the metrics behind.
absl::Status WriteValidationReport(const ValidationReport& report, const std::string& dir,
                                   const ReportWriterOptions& options = {});

}  // namespace cascade::physics
