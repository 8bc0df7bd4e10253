#include "coordinator/core/group_planner.h"

#include <algorithm>
#include <tuple>

namespace cascade::coordinator {

RegroupPlan PlanRegroup(const RegroupInput& input) {
  RegroupPlan plan;
  std::vector<const GroupMember*> survivors;
  for (const GroupMember& m : input.members) {
    if (m.status == MemberStatus::kUnaccounted) plan.excluded.push_back(m.worker_id);
    if (m.status == MemberStatus::kSuspended) survivors.push_back(&m);
  }
  if (!plan.excluded.empty() && !input.timed_out) {
    plan.excluded.clear();
    return plan;  // kWait: someone may still suspend with a newer commit
  }
  std::sort(survivors.begin(), survivors.end(),
            [](const GroupMember* a, const GroupMember* b) { return a->rank < b->rank; });
  auto best = std::min_element(survivors.begin(), survivors.end(),
                               [](const GroupMember* a, const GroupMember* b) {
                                 return std::make_tuple(-a->committed_step, a->rank) <
                                        std::make_tuple(-b->committed_step, b->rank);
                               });
  if (best == survivors.end() || (*best)->committed_step <= 0) {
    plan.action = RegroupPlan::Action::kFromDisk;
    return plan;
  }
  std::rotate(survivors.begin(), best, best + 1);  // best first, the rest keep rank order
  for (const GroupMember* m : survivors) plan.worker_ids.push_back(m->worker_id);
  plan.survivors = static_cast<int>(survivors.size());
  plan.in_place_step = survivors.front()->committed_step;
  for (const std::string& id : input.idle_workers) {
    if (static_cast<int>(plan.worker_ids.size()) >= input.joiner_cap) break;
    plan.worker_ids.push_back(id);
  }
  if (static_cast<int>(plan.worker_ids.size()) >= std::max(1, input.min_workers)) {
    plan.action = RegroupPlan::Action::kInPlace;
    return plan;
  }
  plan.worker_ids.clear();
  plan.survivors = 0;
  plan.in_place_step = 0;
  plan.action = input.timed_out ? RegroupPlan::Action::kFromDisk : RegroupPlan::Action::kWait;
  return plan;
}

}  // namespace cascade::coordinator
