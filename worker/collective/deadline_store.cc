#include "worker/collective/deadline_store.h"

namespace cascade::collective {

void DeadlineStore::set(const std::string& key, const std::vector<char>& data) {
  inner_.set(key, data);
}

std::vector<char> DeadlineStore::get(const std::string& key) {
  inner_.wait({key}, timeout_);
  return inner_.get(key);
}

void DeadlineStore::wait(const std::vector<std::string>& keys) { inner_.wait(keys, timeout_); }

void DeadlineStore::wait(const std::vector<std::string>& keys,
                         const std::chrono::milliseconds& timeout) {
  inner_.wait(keys, timeout);
}

}  // namespace cascade::collective
