// ChromeTrace: streams one rank's step phases as Chrome trace-event JSON (object format,
// {"traceEvents": [...]}), which chrome://tracing and ui.perfetto.dev load directly.
//
// Each rank writes its own file (pid = rank, one track per rank), event by event, so a rank that
// dies mid-run still leaves every finished step on disk (Close() or the destructor ends the JSON;
// a file cut off by SIGKILL lacks only the closing "]}"). Timestamps are wall-clock microseconds
// (system_clock, comparable across NTP-synced nodes); durations come from the steady clock.
// MergeChromeTraces joins per-rank files into one for a single view.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace cascade::trainer {

class ChromeTrace {
 public:
  using Clock = std::chrono::steady_clock;

  ChromeTrace() = default;
  ~ChromeTrace();
  ChromeTrace(const ChromeTrace&) = delete;
  ChromeTrace& operator=(const ChromeTrace&) = delete;

  // Creates `path` and writes the process/thread name metadata ("rank R on HOST").
  absl::Status Open(const std::string& path, int rank, const std::string& host);
  bool is_open() const { return out_.is_open(); }

  // A complete event ("ph":"X") from `begin` to `end` on this rank's track.
  void Phase(const char* name, const char* category, Clock::time_point begin, Clock::time_point end,
             nlohmann::json args = nullptr);
  void Close();

 private:
  void Write(const nlohmann::json& event);

  std::ofstream out_;
  int rank_ = 0;
  bool first_ = true;
  Clock::time_point steady0_;
  int64_t wall0_us_ = 0;  // system_clock at steady0_, µs since the epoch
};

// Concatenates the traceEvents of `inputs` (files missing or cut off by a crash are repaired or
// skipped and named in the returned error, after writing what could be read) into `output`.
absl::Status MergeChromeTraces(const std::vector<std::string>& inputs, const std::string& output);

}  // namespace cascade::trainer
