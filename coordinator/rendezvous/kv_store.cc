#include "coordinator/rendezvous/kv_store.h"

#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::coordinator {

KvStore::KvStore() : sweeper_([this] { SweepLoop(); }) {}

KvStore::~KvStore() {
  std::vector<WaitCallback> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    while (!waiters_.empty()) pending.push_back(TakeLocked(waiters_.begin()->first));
  }
  sweep_cv_.notify_all();
  sweeper_.join();
  for (auto& done : pending) done(absl::CancelledError("rendezvous store shut down"));
}

absl::Status KvStore::Set(const std::string& key, std::string value) {
  std::vector<WaitCallback> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!values_.emplace(key, std::move(value)).second) {
      return absl::AlreadyExistsError(absl::StrCat("rendezvous key '", key, "' was already set"));
    }
    std::vector<int64_t> complete;
    auto [begin, end] = waiters_by_key_.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      Waiter& w = waiters_.at(it->second);
      w.missing.erase(key);
      if (w.missing.empty()) complete.push_back(it->second);
    }
    waiters_by_key_.erase(key);
    for (int64_t id : complete) ready.push_back(TakeLocked(id));
  }
  for (auto& done : ready) done(absl::OkStatus());
  return absl::OkStatus();
}

std::optional<std::string> KvStore::Lookup(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

int64_t KvStore::WaitAsync(std::vector<std::string> keys, absl::Time deadline, WaitCallback done) {
  int64_t id = 0;
  absl::Status immediate;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    Waiter w;
    for (auto& key : keys) {
      if (!values_.contains(key)) w.missing.insert(std::move(key));
    }
    if (stopping_) {
      immediate = absl::CancelledError("rendezvous store shut down");
    } else if (!w.missing.empty()) {
      for (const auto& key : w.missing) waiters_by_key_.emplace(key, id);
      w.deadline = deadline;
      w.done = std::move(done);
      deadlines_.emplace(deadline, id);
      const bool earliest = deadlines_.begin()->second == id;
      waiters_.emplace(id, std::move(w));
      if (earliest) sweep_cv_.notify_all();
      return id;
    }
  }
  done(immediate);
  return id;
}

void KvStore::CancelWaiter(int64_t id) {
  WaitCallback done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!waiters_.contains(id)) return;
    done = TakeLocked(id);
  }
  done(absl::CancelledError("rendezvous wait cancelled"));
}

KvStore::WaitCallback KvStore::TakeLocked(int64_t id) {
  auto node = waiters_.extract(id);
  Waiter& w = node.mapped();
  for (const auto& key : w.missing) {
    auto [begin, end] = waiters_by_key_.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      if (it->second == id) {
        waiters_by_key_.erase(it);
        break;
      }
    }
  }
  auto [begin, end] = deadlines_.equal_range(w.deadline);
  for (auto it = begin; it != end; ++it) {
    if (it->second == id) {
      deadlines_.erase(it);
      break;
    }
  }
  return std::move(w.done);
}

void KvStore::SweepLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (deadlines_.empty()) {
      sweep_cv_.wait(lock);
      continue;
    }
    const absl::Time next = deadlines_.begin()->first;
    const absl::Time now = absl::Now();
    if (next > now) {
      // InfiniteFuture deadlines wait for a notify (a new, earlier waiter or shutdown).
      if (next == absl::InfiniteFuture()) {
        sweep_cv_.wait(lock);
      } else {
        sweep_cv_.wait_for(lock, absl::ToChronoNanoseconds(next - now));
      }
      continue;
    }
    std::vector<std::pair<WaitCallback, absl::Status>> expired;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      const int64_t id = deadlines_.begin()->second;
      const std::string missing = absl::StrJoin(waiters_.at(id).missing, "', '");
      expired.emplace_back(TakeLocked(id),
                           absl::DeadlineExceededError(
                               absl::StrCat("rendezvous keys not set in time: '", missing, "'")));
    }
    lock.unlock();
    for (auto& [done, status] : expired) done(status);
    lock.lock();
  }
}

absl::StatusOr<std::string> KvStore::Get(const std::string& key, absl::Time deadline) {
  absl::Status st = Wait({key}, deadline);
  if (!st.ok()) return st;
  auto value = Lookup(key);
  if (!value) return absl::NotFoundError(absl::StrCat("rendezvous key '", key, "' was dropped"));
  return *value;
}

absl::Status KvStore::Wait(const std::vector<std::string>& keys, absl::Time deadline) {
  std::promise<absl::Status> result;
  auto future = result.get_future();
  WaitAsync(keys, deadline, [&result](const absl::Status& st) { result.set_value(st); });
  return future.get();
}

void KvStore::DropPrefix(const std::string& prefix) {
  const std::string from = prefix + "/";
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.lower_bound(from);
  while (it != values_.end() && it->first.compare(0, from.size(), from) == 0) {
    it = values_.erase(it);
  }
}

size_t KvStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return values_.size();
}

}  // namespace cascade::coordinator
