// What `cascade watch` knows about a scan while following its event stream: the latest scan
// snapshot, every trial, and each trial's latest step and validation metrics. Renders either a
// full-screen table (redrawn on a terminal) or one line per event (logs, pipes).
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "cascade/v1/user_service.pb.h"

namespace cascade::cli {

class WatchView {
 public:
  void Apply(const v1::ScanEvent& event);

  bool has_scan() const { return has_scan_; }
  const v1::Scan& scan() const { return scan_; }
  size_t trials() const { return trials_.size(); }

  // The table: scan header, then up to `max_trials` trials (unfinished ones first) with a
  // progress bar of epochs/max_epochs, the latest losses and the latest validation metric.
  std::string Render(int max_trials) const;
  // One line describing `event` (no time stamp, no newline).
  std::string EventLine(const v1::ScanEvent& event) const;

 private:
  // The scan's searcher metric from a validation record ("-" when absent).
  std::string MetricValue(const v1::ValidationMetrics& validation) const;

  bool has_scan_ = false;
  v1::Scan scan_;
  std::map<std::string, v1::Trial> trials_;  // by id: ids sort in creation order
  std::map<std::string, v1::StepMetrics> last_step_;
  std::map<std::string, v1::ValidationMetrics> last_validation_;
};

}  // namespace cascade::cli
