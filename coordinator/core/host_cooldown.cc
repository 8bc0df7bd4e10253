#include "coordinator/core/host_cooldown.h"

namespace cascade::coordinator {

bool HostCooldown::NoteFailure(const std::string& host, absl::Time now) {
  Host& h = hosts_[host];
  h.failures.push_back(now);
  while (!h.failures.empty() && now - h.failures.front() > kHostFailureWindow) {
    h.failures.pop_front();
  }
  if (static_cast<int>(h.failures.size()) < kHostFailuresToCool || now < h.cool_until) {
    return false;
  }
  h.cool_until = now + kHostCooldown;
  h.failures.clear();  // a host back from cooldown starts with a clean record
  return true;
}

bool HostCooldown::CoolingDown(const std::string& host, absl::Time now) const {
  auto it = hosts_.find(host);
  return it != hosts_.end() && now < it->second.cool_until;
}

}  // namespace cascade::coordinator
