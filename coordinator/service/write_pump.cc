#include "coordinator/service/write_pump.h"

#include <utility>

namespace cascade::coordinator {

WritePump::WritePump() : thread_([this] { Run(); }) {}

WritePump::~WritePump() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void WritePump::Schedule(std::shared_ptr<Drivable> stream) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(std::move(stream));
  }
  cv_.notify_one();
}

void WritePump::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !ready_.empty(); });
    if (stop_) return;
    std::deque<std::shared_ptr<Drivable>> batch;
    batch.swap(ready_);
    lock.unlock();
    for (auto& stream : batch) stream->Drive();
    batch.clear();  // release the streams before re-taking the lock
    lock.lock();
  }
}

}  // namespace cascade::coordinator
