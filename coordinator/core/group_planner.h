// GroupPlanner: the pure decision of how a running trial's group re-forms after its generation
// broke up (a member died, drained or went unhealthy, or the coordinator asked it to regroup to
// grow). No clock, no I/O: the Coordinator describes each member and the idle workers, and
// applies the plan (coordinator_regroup.cc).
//
// Rules (invariants of every plan):
// - Nothing is decided while a member is unaccounted for (neither suspended nor departed), unless
//   `timed_out`; unaccounted members are then `excluded` (told to stop).
// - Survivors are the suspended members: the one with the highest committed step first (ties: the
//   lowest old rank), then the others in old rank order. Rank 0 of the new generation therefore
//   holds the newest commit and everyone else takes its state — one global sync decision.
// - No survivor holds a commit (none suspended, or the best commit is step 0): kFromDisk.
// - Joiners come from `idle_workers` in the given order, up to `joiner_cap` members in total
//   (the caller passes max_workers, or less to leave workers to pending trials).
// - survivors + joiners >= min_workers: kInPlace with `in_place_step` = rank 0's commit.
//   Otherwise kWait (survivors stay bound and wait for workers), or kFromDisk once `timed_out`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cascade::coordinator {

enum class MemberStatus {
  kSuspended,    // left the collective with an in-memory commit and waits (GroupSuspended)
  kDeparted,     // dead, gone, drained or finished: not part of the next generation
  kUnaccounted,  // alive and silent, or briefly disconnected: still expected to report
};

struct GroupMember {
  std::string worker_id;
  int rank = 0;  // rank in the generation that broke up
  MemberStatus status = MemberStatus::kUnaccounted;
  int64_t committed_step = 0;  // for kSuspended
};

struct RegroupInput {
  std::vector<GroupMember> members;
  std::vector<std::string> idle_workers;  // candidates to join, in preference order
  int min_workers = 1;
  int joiner_cap = 1;  // largest group the plan may form with joiners (<= max_workers)
  bool timed_out = false;
};

struct RegroupPlan {
  enum class Action { kWait, kInPlace, kFromDisk };
  Action action = Action::kWait;
  std::vector<std::string> worker_ids;  // kInPlace: the new generation, index = rank
  int64_t in_place_step = 0;            // kInPlace: rank 0's committed step
  int survivors = 0;                    // kInPlace: how many of worker_ids are survivors
  std::vector<std::string> excluded;    // unaccounted members dropped at the timeout
};

RegroupPlan PlanRegroup(const RegroupInput& input);

}  // namespace cascade::coordinator
