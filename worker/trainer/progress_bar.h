// A one-line progress bar on stderr for interactive runs (`--progress`); silent otherwise, so
// CI logs and Slurm output files stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cascade::trainer {

class ProgressBar {
 public:
  ProgressBar(bool enabled, std::string label, int64_t total);
  void Update(int64_t done, const std::string& suffix);
  void Finish();

 private:
  bool enabled_;
  std::string label_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace cascade::trainer
