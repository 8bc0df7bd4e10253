#include "cli/service_stragglers.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

namespace cascade::cli {
namespace {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

std::vector<RankSpeed> CompareToGroups(
    const google::protobuf::RepeatedPtrField<v1::Worker>& workers) {
  std::vector<RankSpeed> speeds(workers.size());
  // (trial, generation) -> indices of members with timing.
  std::map<std::pair<std::string, int>, std::vector<int>> groups;
  for (int i = 0; i < workers.size(); ++i) {
    const v1::Worker& w = workers[i];
    speeds[i].flagged = w.straggler();
    const auto& t = w.timing();
    if (w.trial_id().empty() || t.steps() <= 0 || t.step_seconds_mean() <= 0) continue;
    speeds[i].has_timing = true;
    speeds[i].work_seconds =
        std::max(0.0, static_cast<double>(t.step_seconds_mean()) - t.allreduce_wait_seconds_mean());
    groups[{w.trial_id(), w.generation()}].push_back(i);
  }
  for (const auto& [key, members] : groups) {
    for (int i : members) {
      std::vector<double> others;
      for (int j : members) {
        if (j != i) others.push_back(speeds[j].work_seconds);
      }
      if (others.empty()) continue;
      speeds[i].group_median_seconds = Median(std::move(others));
      if (speeds[i].group_median_seconds > 0) {
        speeds[i].ratio = speeds[i].work_seconds / speeds[i].group_median_seconds;
      }
    }
  }
  return speeds;
}

std::string FormatRatio(const RankSpeed& speed) {
  return speed.ratio > 0 ? fmt::format("{:.1f}x", speed.ratio) : "-";
}

bool IsStraggler(const RankSpeed& speed) { return speed.flagged || speed.ratio >= kSlowRatio; }

std::string DescribeStraggler(const v1::Worker& worker, const RankSpeed& speed) {
  std::string line =
      fmt::format("{:<10} {} rank {} ({} on {})", speed.flagged ? "STRAGGLER" : "slow",
                  worker.trial_id(), worker.rank(), worker.id(), worker.info().hostname());
  const std::string detail = fmt::format("({:.3f} vs {:.3f} s of work per step)",
                                         speed.work_seconds, speed.group_median_seconds);
  if (speed.ratio >= 1) {
    line += fmt::format(" {} slower than its group {}", FormatRatio(speed), detail);
  } else if (speed.ratio > 0) {  // flagged earlier, keeping up at the last heartbeat
    line += fmt::format(" now at {} of its group {}", FormatRatio(speed), detail);
  }
  if (!speed.flagged) line += "; last heartbeat only, not flagged by the coordinator";
  return line;
}

std::vector<Straggler> FindStragglers(const google::protobuf::RepeatedPtrField<v1::Worker>& workers,
                                      const std::set<std::string>* trial_ids) {
  const std::vector<RankSpeed> speeds = CompareToGroups(workers);
  std::vector<Straggler> found;
  for (int i = 0; i < workers.size(); ++i) {
    const v1::Worker& w = workers[i];
    if (w.trial_id().empty() || !IsStraggler(speeds[i])) continue;
    if (trial_ids != nullptr && !trial_ids->contains(w.trial_id())) continue;
    found.push_back({&w, speeds[i]});
  }
  std::sort(found.begin(), found.end(), [](const Straggler& a, const Straggler& b) {
    return std::make_pair(a.worker->trial_id(), a.worker->rank()) <
           std::make_pair(b.worker->trial_id(), b.worker->rank());
  });
  return found;
}

void PrintStragglers(const std::vector<Straggler>& stragglers, std::ostream& out) {
  if (stragglers.empty()) return;
  out << "\nstragglers\n";
  for (const auto& s : stragglers) out << "  " << DescribeStraggler(*s.worker, s.speed) << "\n";
}

nlohmann::json StragglersJson(const std::vector<Straggler>& stragglers) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : stragglers) {
    list.push_back({{"trial_id", s.worker->trial_id()},
                    {"rank", s.worker->rank()},
                    {"worker_id", s.worker->id()},
                    {"hostname", s.worker->info().hostname()},
                    {"work_seconds", s.speed.work_seconds},
                    {"group_median_seconds", s.speed.group_median_seconds},
                    {"ratio", s.speed.ratio},
                    {"flagged", s.speed.flagged}});
  }
  return list;
}

}  // namespace cascade::cli
