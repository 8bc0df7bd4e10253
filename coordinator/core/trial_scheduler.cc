#include "coordinator/core/trial_scheduler.h"

#include <algorithm>
#include <deque>
#include <map>
#include <tuple>

namespace cascade::coordinator {
namespace {

struct ScanQueue {
  const ScanSlots* slots;
  std::deque<const PendingTrial*> trials;  // oldest first
  int live = 0;
  bool blocked = false;  // its next trial does not fit, or it is at its concurrency limit
};

}  // namespace

std::vector<Placement> ScheduleTrials(const std::vector<PendingTrial>& pending,
                                      const std::vector<ScanSlots>& scans,
                                      const std::vector<std::string>& idle_workers) {
  std::map<std::string, ScanQueue> queues;
  for (const ScanSlots& s : scans) {
    ScanQueue& q = queues[s.scan_id];
    q.slots = &s;
    q.live = s.live_trials;
  }
  for (const PendingTrial& t : pending) {
    auto it = queues.find(t.scan_id);
    if (it != queues.end()) it->second.trials.push_back(&t);
  }
  for (auto& [id, q] : queues) {
    std::stable_sort(
        q.trials.begin(), q.trials.end(),
        [](const PendingTrial* a, const PendingTrial* b) { return a->order < b->order; });
  }

  std::vector<Placement> placements;
  size_t next_worker = 0;
  auto free_workers = [&] { return static_cast<int>(idle_workers.size() - next_worker); };
  // Phase 1: one trial per round to the least-loaded scan that can take one.
  while (true) {
    ScanQueue* best = nullptr;
    for (auto& [id, q] : queues) {
      if (q.blocked || q.trials.empty()) continue;
      const ScanSlots& s = *q.slots;
      if (q.live >= s.max_concurrent_trials || std::max(1, s.min_workers) > free_workers()) {
        q.blocked = true;
        continue;
      }
      if (best == nullptr || std::tie(q.live, s.order, s.scan_id) <
                                 std::tie(best->live, best->slots->order, best->slots->scan_id)) {
        best = &q;
      }
    }
    if (best == nullptr) break;
    const PendingTrial* trial = best->trials.front();
    best->trials.pop_front();
    ++best->live;
    Placement p{trial->trial_id, trial->scan_id, {}};
    for (int i = 0; i < std::max(1, best->slots->min_workers); ++i) {
      p.worker_ids.push_back(idle_workers[next_worker++]);
    }
    placements.push_back(std::move(p));
  }
  // Phase 2: spare workers grow this call's groups toward max_workers.
  bool grew = true;
  while (grew && free_workers() > 0) {
    grew = false;
    for (Placement& p : placements) {
      if (free_workers() == 0) break;
      if (static_cast<int>(p.worker_ids.size()) < queues[p.scan_id].slots->max_workers) {
        p.worker_ids.push_back(idle_workers[next_worker++]);
        grew = true;
      }
    }
  }
  return placements;
}

}  // namespace cascade::coordinator
