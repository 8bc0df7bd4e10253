#include "common/scan/searcher/trial_pool.h"

#include <sstream>

#include "absl/strings/str_cat.h"

namespace cascade::scan {

TrialPool::TrialPool(uint64_t seed, int total, int max_concurrent)
    : rng_(seed), total_(total), max_concurrent_(max_concurrent) {}

int TrialPool::live() const {
  int n = 0;
  for (const auto& [id, state] : trials_) n += state != TrialState::kExited;
  return n;
}

void TrialPool::Fill(const std::function<Hparams()>& next, std::vector<Action>* actions) {
  int live_now = live();
  while (created() < total_ && live_now < max_concurrent_) {
    Create create;
    create.request_id = created() + 1;
    create.hparams = next();
    create.seed = rng_();
    trials_[create.request_id] = TrialState::kLive;
    ++live_now;
    actions->push_back(std::move(create));
  }
  if (!shutdown_sent_ && created() == total_ && live_now == 0) {
    shutdown_sent_ = true;
    actions->push_back(Shutdown{});
  }
}

absl::StatusOr<TrialPool::TrialState> TrialPool::StateOf(int64_t request_id) const {
  auto it = trials_.find(request_id);
  if (it == trials_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("searcher: unknown trial request id ", request_id));
  }
  return it->second;
}

absl::Status TrialPool::MarkStopping(int64_t request_id) {
  auto it = trials_.find(request_id);
  if (it == trials_.end() || it->second != TrialState::kLive) {
    return absl::FailedPreconditionError(
        absl::StrCat("searcher: trial ", request_id, " is not live"));
  }
  it->second = TrialState::kStopping;
  return absl::OkStatus();
}

absl::Status TrialPool::MarkExited(int64_t request_id) {
  auto it = trials_.find(request_id);
  if (it == trials_.end() || it->second == TrialState::kExited) {
    return absl::FailedPreconditionError(
        absl::StrCat("searcher: trial ", request_id, " unknown or already exited"));
  }
  it->second = TrialState::kExited;
  return absl::OkStatus();
}

nlohmann::json TrialPool::Snapshot() const {
  std::ostringstream rng_text;  // the standard text form of the engine state (312 words)
  rng_text << rng_;
  nlohmann::json trials = nlohmann::json::array();
  for (const auto& [id, state] : trials_) trials.push_back({id, static_cast<int>(state)});
  return {{"rng", rng_text.str()}, {"shutdown_sent", shutdown_sent_}, {"trials", trials}};
}

absl::Status TrialPool::Restore(const nlohmann::json& json) {
  std::istringstream rng_text(json.at("rng").get<std::string>());
  std::mt19937_64 rng;
  if (!(rng_text >> rng)) return absl::InvalidArgumentError("searcher snapshot: bad rng state");
  std::map<int64_t, TrialState> trials;
  int64_t expected_id = 1;
  for (const auto& entry : json.at("trials")) {
    const int64_t id = entry.at(0).get<int64_t>();
    const int state = entry.at(1).get<int>();
    if (id != expected_id++ || state < 0 || state > static_cast<int>(TrialState::kExited)) {
      return absl::InvalidArgumentError(
          absl::StrCat("searcher snapshot: bad trial entry ", entry.dump()));
    }
    trials[id] = static_cast<TrialState>(state);
  }
  if (static_cast<int>(trials.size()) > total_) {
    return absl::InvalidArgumentError("searcher snapshot: more trials than the spec allows");
  }
  rng_ = rng;
  trials_ = std::move(trials);
  shutdown_sent_ = json.at("shutdown_sent").get<bool>();
  return absl::OkStatus();
}

}  // namespace cascade::scan
