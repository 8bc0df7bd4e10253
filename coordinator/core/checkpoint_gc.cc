#include "coordinator/core/checkpoint_gc.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

namespace cascade::coordinator {

std::vector<std::string> CheckpointsToDelete(const std::vector<v1::Checkpoint>& checkpoints,
                                             int keep_latest, int keep_best, bool smaller_is_better,
                                             const std::string& protect_id) {
  std::vector<const v1::Checkpoint*> by_step;
  std::vector<const v1::Checkpoint*> by_metric;
  for (const auto& c : checkpoints) {
    by_step.push_back(&c);
    if (c.has_metric() && std::isfinite(c.metric())) by_metric.push_back(&c);
  }
  std::sort(by_step.begin(), by_step.end(), [](const v1::Checkpoint* a, const v1::Checkpoint* b) {
    return a->step() != b->step() ? a->step() > b->step() : a->id() > b->id();
  });
  std::sort(by_metric.begin(), by_metric.end(),
            [smaller_is_better](const v1::Checkpoint* a, const v1::Checkpoint* b) {
              if (a->metric() != b->metric()) {
                return smaller_is_better ? a->metric() < b->metric() : a->metric() > b->metric();
              }
              return a->step() > b->step();
            });
  std::set<std::string> keep = {protect_id};
  for (int i = 0; i < keep_latest && i < static_cast<int>(by_step.size()); ++i) {
    keep.insert(by_step[i]->id());
  }
  for (int i = 0; i < keep_best && i < static_cast<int>(by_metric.size()); ++i) {
    keep.insert(by_metric[i]->id());
  }
  std::vector<std::string> out;
  for (const auto& c : checkpoints) {
    if (!keep.count(c.id())) out.push_back(c.id());
  }
  return out;
}

bool IsUnderDirectory(const std::string& path, const std::string& dir) {
  if (path.empty() || dir.empty()) return false;
  const std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  const std::filesystem::path d = std::filesystem::path(dir).lexically_normal();
  auto pi = p.begin();
  for (auto di = d.begin(); di != d.end(); ++di, ++pi) {
    if (di->empty() && std::next(di) == d.end()) break;  // trailing separator of `dir`
    if (pi == p.end() || *pi != *di) return false;
  }
  if (pi == p.end()) return false;
  for (; pi != p.end(); ++pi) {
    if (*pi == "..") return false;
  }
  return true;
}

}  // namespace cascade::coordinator
