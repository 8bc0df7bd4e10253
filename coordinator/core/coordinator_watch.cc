// Coordinator: scan watchers (WatchScan streams) and scan counts.
#include "absl/strings/str_cat.h"
#include "coordinator/core/coordinator_impl.h"

namespace cascade::coordinator {

v1::Scan Coordinator::Impl::ScanWithCounts(const ScanRuntime& s) const {
  v1::Scan scan = s.scan;
  if (s.trial_ids.empty() && !s.live()) return scan;  // terminal scan loaded without its trials
  v1::TrialCounts counts;
  for (const std::string& id : s.trial_ids) {
    auto it = trials.find(id);
    if (it == trials.end()) continue;
    counts.set_total(counts.total() + 1);
    switch (it->second->trial.state()) {
      case v1::TRIAL_STATE_PENDING:
        counts.set_pending(counts.pending() + 1);
        break;
      case v1::TRIAL_STATE_RUNNING:
        counts.set_running(counts.running() + 1);
        break;
      case v1::TRIAL_STATE_PAUSED:
        counts.set_paused(counts.paused() + 1);
        break;
      case v1::TRIAL_STATE_COMPLETED:
        counts.set_completed(counts.completed() + 1);
        break;
      case v1::TRIAL_STATE_STOPPED:
        counts.set_stopped(counts.stopped() + 1);
        break;
      case v1::TRIAL_STATE_FAILED:
        counts.set_failed(counts.failed() + 1);
        break;
      case v1::TRIAL_STATE_CANCELED:
        counts.set_canceled(counts.canceled() + 1);
        break;
      default:
        break;
    }
  }
  *scan.mutable_trials() = counts;
  return scan;
}

void Coordinator::Impl::Emit(const std::string& scan_id, const v1::ScanEvent& event,
                             bool step_metric) {
  const bool final_event = event.has_scan() && IsTerminal(event.scan().state());
  for (auto it = watches.begin(); it != watches.end();) {
    WatchEntry& w = it->second;
    if (w.scan_id != scan_id || (step_metric && !w.step_metrics)) {
      ++it;
      continue;
    }
    v1::ScanEvent copy = event;
    copy.set_sequence(++w.sequence);
    const bool keep = w.fn(copy) && !final_event;
    it = keep ? std::next(it) : watches.erase(it);
  }
}

void Coordinator::Impl::QueueScanEvent(Change& ch, const v1::Scan& scan) {
  ch.after_commit.push_back([this, scan] {
    v1::ScanEvent event;
    *event.mutable_scan() = scan;
    Emit(scan.id(), event, false);
  });
}

void Coordinator::Impl::QueueTrialEvent(Change& ch, const v1::Trial& trial) {
  ch.after_commit.push_back([this, trial] {
    v1::ScanEvent event;
    *event.mutable_trial() = trial;
    Emit(trial.scan_id(), event, false);
  });
}

absl::StatusOr<int64_t> Coordinator::Watch(const v1::WatchScanRequest& request,
                                           ScanWatcher watcher) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& im = *impl_;
  auto it = im.scans.find(request.scan_id());
  if (it == im.scans.end()) {
    return absl::NotFoundError(absl::StrCat("scan '", request.scan_id(), "' not found"));
  }
  const int64_t id = im.next_watch_id++;
  WatchEntry entry{request.scan_id(), std::move(watcher), request.include_step_metrics(), 0};
  v1::ScanEvent first;
  first.set_sequence(++entry.sequence);
  *first.mutable_scan() = im.ScanWithCounts(*it->second);
  const bool keep = entry.fn(first) && !IsTerminal(first.scan().state());
  if (keep) im.watches.emplace(id, std::move(entry));
  return id;
}

void Coordinator::Unwatch(int64_t watch_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->watches.erase(watch_id);
}

}  // namespace cascade::coordinator
