// TrialScheduler: pure placement of pending trials onto idle workers (no clock, no I/O), so every
// rule is unit-testable on its own. The Coordinator calls it from Tick with a snapshot of its
// state and applies the placements it returns.
//
// Rules (invariants of every result):
// - A trial is placed only as a whole group: at least `min_workers` idle workers, at most
//   `max_workers`; never partially.
// - A worker appears in at most one placement, and only if it was in `idle_workers`.
// - Fair across scans: placements go one at a time to the scan with the fewest live trials
//   (running before this call + placed by it), ties to the older scan (smaller `order`); within a
//   scan, the oldest pending trial first. A scan whose next trial does not fit drops out of the
//   round (every trial of a scan has the same group size, so nothing behind it would fit either).
// - A scan never has more than `max_concurrent_trials` live trials.
// - Phase 1 places as many trials as possible at `min_workers`; phase 2 hands the idle workers
//   left over to this call's placements, round-robin in placement order, up to `max_workers`
//   (more trials running beats bigger groups; spare workers still speed trials up).
// - Phase 1 takes each group's workers consecutively from `idle_workers`, so a caller that sorts
//   them by host gets mostly co-located groups (phase 2 additions may come from other hosts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cascade::coordinator {

struct PendingTrial {
  std::string trial_id;
  std::string scan_id;
  int64_t order = 0;  // creation order within the scan (smaller = older)
};

struct ScanSlots {
  std::string scan_id;
  int64_t order = 0;  // scan age (smaller = older)
  int min_workers = 1;
  int max_workers = 1;
  int max_concurrent_trials = 1;
  int live_trials = 0;  // trials of the scan holding workers now
};

struct Placement {
  std::string trial_id;
  std::string scan_id;
  std::vector<std::string> worker_ids;  // index = rank
};

// `pending` trials whose scan is not in `scans` are ignored.
std::vector<Placement> ScheduleTrials(const std::vector<PendingTrial>& pending,
                                      const std::vector<ScanSlots>& scans,
                                      const std::vector<std::string>& idle_workers);

}  // namespace cascade::coordinator
