// KvStore: the coordinator's in-memory rendezvous key-value store behind Gloo (DESIGN.md, elastic
// groups). Keys are write-once; readers wait until their keys exist or a deadline passes. Waits
// are asynchronous (a callback per waiter) so a blocked RPC holds no thread: Set completes the
// waiters it satisfies, and one sweeper thread completes the waiters whose deadline passed.
//
// Invariants: every waiter's callback runs exactly once (all keys present -> OK, deadline ->
// DeadlineExceeded naming the missing keys, CancelWaiter or destruction -> Cancelled), always
// outside the store's lock. Nothing is persisted: after a coordinator restart the groups
// rendezvous again under a new generation's prefix. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cascade::coordinator {

class KvStore {
 public:
  using WaitCallback = std::function<void(const absl::Status&)>;

  KvStore();
  ~KvStore();  // completes pending waiters with Cancelled
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // AlreadyExists if `key` was set before (Gloo keys are write-once).
  absl::Status Set(const std::string& key, std::string value);
  // The value, if the key exists now.
  std::optional<std::string> Lookup(const std::string& key) const;

  // Calls `done` once every key exists (possibly before returning), or at `deadline` with
  // DeadlineExceeded naming the keys still missing. Returns an id for CancelWaiter.
  int64_t WaitAsync(std::vector<std::string> keys, absl::Time deadline, WaitCallback done);
  // Completes the waiter with Cancelled if it is still pending; a no-op otherwise.
  void CancelWaiter(int64_t id);

  // Blocking forms of WaitAsync (tests, simple callers).
  absl::StatusOr<std::string> Get(const std::string& key, absl::Time deadline);
  absl::Status Wait(const std::vector<std::string>& keys, absl::Time deadline);

  // Frees every key under "<prefix>/" (a generation that ended). Waiters are left alone: they
  // time out, since a dropped generation's keys never come back.
  void DropPrefix(const std::string& prefix);

  size_t size() const;

 private:
  struct Waiter {
    std::set<std::string> missing;
    absl::Time deadline;
    WaitCallback done;
  };

  // Removes waiter `id` and returns its callback; the caller runs it after unlocking.
  WaitCallback TakeLocked(int64_t id);
  void SweepLoop();

  mutable std::mutex mu_;
  std::condition_variable sweep_cv_;
  std::map<std::string, std::string> values_;  // ordered, so DropPrefix is a range erase
  std::map<int64_t, Waiter> waiters_;
  std::unordered_multimap<std::string, int64_t> waiters_by_key_;
  std::multimap<absl::Time, int64_t> deadlines_;
  int64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread sweeper_;  // last: started after every member above exists
};

}  // namespace cascade::coordinator
