// HostCooldown: keeps hosts that keep failing out of new groups for a while. A failure is
// attributed to a host when a group member on it is lost or gone, or reports a DATA, INTERNAL or
// CHECKPOINT failure. kHostFailuresToCool such failures within kHostFailureWindow put the host in
// cooldown for kHostCooldown: its workers are neither placed in new groups nor joined to running
// ones (they stay registered and idle). In memory only: a coordinator restart forgets it, which at
// worst gives a bad host one more chance. Pure (time passed in), not thread-safe (the Coordinator
// holds its lock).
#pragma once

#include <deque>
#include <map>
#include <string>

#include "absl/time/time.h"

namespace cascade::coordinator {

inline constexpr int kHostFailuresToCool = 3;
inline constexpr absl::Duration kHostFailureWindow = absl::Minutes(10);
inline constexpr absl::Duration kHostCooldown = absl::Minutes(5);

class HostCooldown {
 public:
  // Records one failure; returns true when it starts a cooldown.
  bool NoteFailure(const std::string& host, absl::Time now);
  bool CoolingDown(const std::string& host, absl::Time now) const;

 private:
  struct Host {
    std::deque<absl::Time> failures;  // within the window, oldest first
    absl::Time cool_until = absl::InfinitePast();
  };
  std::map<std::string, Host> hosts_;
};

}  // namespace cascade::coordinator
