// Straggler view of `cascade status` and `cascade workers`: how much slower each busy rank works
// than the other members of its group, from the per-rank timing of the workers' last heartbeats,
// next to the coordinator's own (persistent) straggler flag.
//
// In synchronous data parallelism every rank's step time is about the same — the fast ranks wait
// in allreduce for the slow one — so the comparison uses each rank's own work per step: step time
// minus allreduce wait. A rank is compared to the median of the OTHER members of its group (trial
// and generation), so a group of two still shows its slow member as 2x, not as 1.33x.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "cascade/v1/worker.pb.h"

namespace cascade::cli {

// Unflagged ranks this much slower than their group are listed by `status` too (from one
// heartbeat's means, so marked as not yet confirmed by the coordinator).
inline constexpr double kSlowRatio = 1.5;

struct RankSpeed {
  bool has_timing = false;          // the worker reported timing for at least one step
  double work_seconds = 0;          // step − allreduce wait, mean per step
  double group_median_seconds = 0;  // median work of the other members with timing
  double ratio = 0;                 // work / group median; 0 = unknown (no peer with timing)
  bool flagged = false;             // Worker.straggler: the coordinator's persistent verdict
};

// One entry per worker, in the order of `workers`; idle workers get an entry with no timing.
std::vector<RankSpeed> CompareToGroups(
    const google::protobuf::RepeatedPtrField<v1::Worker>& workers);

// The ratio as "2.1x", "-" when unknown.
std::string FormatRatio(const RankSpeed& speed);
// Whether `status` lists the rank: flagged by the coordinator or at least kSlowRatio slower.
bool IsStraggler(const RankSpeed& speed);

// "STRAGGLER  t-000001 rank 2 (w-000007 on node07) 2.1x slower than its group (0.840 vs 0.400 s
// of work per step)"; "slow" and a note instead of STRAGGLER when the coordinator has not
// flagged it.
std::string DescribeStraggler(const v1::Worker& worker, const RankSpeed& speed);

struct Straggler {
  const v1::Worker* worker;  // points into the list given to FindStragglers
  RankSpeed speed;
};
// The busy ranks `status` lists (IsStraggler), sorted by trial and rank; only those of
// `trial_ids` when given.
std::vector<Straggler> FindStragglers(const google::protobuf::RepeatedPtrField<v1::Worker>& workers,
                                      const std::set<std::string>* trial_ids = nullptr);
// "\nstragglers\n" and one DescribeStraggler line each; nothing when there are none.
void PrintStragglers(const std::vector<Straggler>& stragglers, std::ostream& out);
// [{trial_id, rank, worker_id, hostname, work_seconds, group_median_seconds, ratio, flagged}]
nlohmann::json StragglersJson(const std::vector<Straggler>& stragglers);

}  // namespace cascade::cli
