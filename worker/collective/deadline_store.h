// Store decorator that bounds every rendezvous wait by the group's timeout.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "gloo/rendezvous/store.h"

namespace cascade::collective {

// Gloo's connectFullMesh calls get() and wait() without a timeout, which FileStore turns into
// its 30 s default and HashStore's get() does not wait at all. This decorator makes get() wait
// for the key first and applies `timeout` to every untimed wait, so a rank never blocks in
// rendezvous longer than the group's timeout. Keys pass through unchanged; `inner` must outlive it.
class DeadlineStore final : public gloo::rendezvous::Store {
 public:
  DeadlineStore(gloo::rendezvous::Store& inner, std::chrono::milliseconds timeout)
      : inner_(inner), timeout_(timeout) {}

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys,
            const std::chrono::milliseconds& timeout) override;

 private:
  gloo::rendezvous::Store& inner_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace cascade::collective
