// WritePump: the one thread that starts gRPC writes for messages the Coordinator queued.
//
// The Coordinator calls SessionSink::Send and ScanWatcher with its lock held. A gRPC operation
// started there could complete inline and re-enter the Coordinator (deadlock), so sinks and
// watchers only queue (OutboundQueue) and schedule the stream here; this thread starts the write
// with no Coordinator lock held. Later writes of the same stream are chained from OnWriteDone.
// A stream is scheduled at most once at a time, so the pump's work is bounded by the number of
// streams with pending data, not by the message rate.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace cascade::coordinator {

// Something the pump can drive: starts the next write (or the final Finish) if none is in flight.
class Drivable {
 public:
  virtual ~Drivable() = default;
  virtual void Drive() = 0;
};

class WritePump {
 public:
  WritePump();
  ~WritePump();  // stops the thread; scheduled work not yet driven is dropped
  WritePump(const WritePump&) = delete;
  WritePump& operator=(const WritePump&) = delete;

  void Schedule(std::shared_ptr<Drivable> stream);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Drivable>> ready_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cascade::coordinator
