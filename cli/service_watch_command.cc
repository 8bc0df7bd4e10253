// `cascade watch SCAN`: follows WatchScan until the scan ends. On a terminal the trial table is
// redrawn in place; otherwise (logs, pipes, Slurm output files) one time-stamped line per event,
// or one JSON object per line with -o json.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/command.h"
#include "cli/service_commands.h"
#include "cli/service_views.h"
#include "cli/service_watch_view.h"

namespace cascade::cli {
namespace {

// Redraws at most this often: step metrics can arrive many times a second.
constexpr auto kRedrawInterval = std::chrono::milliseconds(200);

// Rows and columns of the terminal on stdout; 0 columns when unknown (not a real terminal).
winsize TerminalSize() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_row == 0) {
    size.ws_row = 24;
    size.ws_col = 0;
  }
  return size;
}

// Cuts every line to the terminal's width: a wrapped line would take two rows, and the cursor-up
// of the next redraw would then leave stale rows behind. Cuts bytes: a non-ASCII scan name or
// hyperparameter at the very edge may lose half a character (cosmetic only).
std::string FitWidth(const std::string& text, size_t columns) {
  if (columns == 0) return text;
  const size_t width = columns > 1 ? columns - 1 : columns;  // the last column makes some wrap
  std::string out;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    out.append(text, begin, std::min(end - begin, width));
    out += '\n';
    begin = end + 1;
  }
  return out;
}

// Draws `view` over the previous drawing of `lines` lines (cursor up, clear to the end).
class Redrawer {
 public:
  explicit Redrawer(std::ostream& out) : out_(out) {}
  void Draw(const WatchView& view, bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < kRedrawInterval) return;
    last_ = now;
    // Header (~6 lines), blank, table header, and a line for "... more".
    const winsize size = TerminalSize();
    const std::string text = FitWidth(view.Render(std::max(1, size.ws_row - 10)), size.ws_col);
    if (lines_ > 0) out_ << "\033[" << lines_ << "F\033[J";
    out_ << text << std::flush;
    lines_ = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

 private:
  std::ostream& out_;
  std::chrono::steady_clock::time_point last_{};
  int lines_ = 0;
};

// The stream's snapshot is the Scan message alone; its trials come from GetScan so the table is
// complete from the first drawing. Best effort: the stream stays the source of every change.
void SeedTrials(ServiceSession& session, const std::string& scan_id, WatchView& view) {
  v1::GetScanRequest request;
  request.set_scan_id(scan_id);
  request.set_include_trials(true);
  v1::GetScanResponse response;
  grpc::ClientContext context;
  session.Prepare(context);
  if (!session.stub().GetScan(&context, request, &response).ok()) return;
  for (const auto& trial : response.trials()) {
    v1::ScanEvent event;
    *event.mutable_trial() = trial;
    view.Apply(event);
  }
}

int ExitCodeForEnd(const v1::Scan& scan) {
  return scan.state() == v1::SCAN_STATE_COMPLETED ? kOk : kFailure;
}

}  // namespace

int RunWatch(ServiceSession& session, const WatchArgs& args, const CommandIo& io) {
  const bool redraw = io.tty && args.output == OutputFormat::kTable;
  WatchView view;
  Redrawer redrawer(io.out);
  bool ever_connected = false;
  bool reconnect_used = false;
  while (true) {
    grpc::ClientContext context;
    session.Prepare(context, std::chrono::milliseconds(0));  // a watch may last days
    v1::WatchScanRequest request;
    request.set_scan_id(args.scan_id);
    request.set_include_step_metrics(args.step_metrics || redraw);
    auto reader = session.stub().WatchScan(&context, request);
    v1::ScanEvent event;
    bool got_event = false;
    while (reader->Read(&event)) {
      view.Apply(event);
      if (!got_event && !IsTerminal(view.scan().state())) SeedTrials(session, args.scan_id, view);
      got_event = ever_connected = true;
      if (args.output == OutputFormat::kJson) {
        io.out << ToJson(event, /*compact=*/true) << "\n" << std::flush;
      } else if (redraw) {
        redrawer.Draw(view, event.has_scan() || event.has_trial());
      } else {
        io.out << absl::FormatTime("%H:%M:%S ", absl::Now(), absl::LocalTimeZone())
               << view.EventLine(event) << "\n"
               << std::flush;
      }
      if (view.has_scan() && IsTerminal(view.scan().state())) {
        if (redraw) redrawer.Draw(view, true);
        context.TryCancel();
        reader->Finish();
        return ExitCodeForEnd(view.scan());
      }
    }
    grpc::Status status = reader->Finish();
    // A stream that delivered events earns a fresh reconnect: a coordinator restarted twice
    // during a week-long watch is two separate outages, not a flapping link.
    if (got_event) reconnect_used = false;
    const bool lost = status.ok() || status.error_code() == grpc::StatusCode::UNAVAILABLE;
    if (!lost || !ever_connected || reconnect_used) {
      if (status.ok()) {
        io.err << "cascade watch: the coordinator at " << session.connection().options.address
               << " ended the stream before scan " << args.scan_id << " finished\n";
        return kUnavailable;
      }
      return session.Fail(status, "watch", io.err);
    }
    reconnect_used = true;
    io.err << "cascade watch: lost the coordinator at " << session.connection().options.address
           << " (" << (status.ok() ? "stream closed" : status.error_message())
           << "); reconnecting\n";
    std::this_thread::sleep_for(args.reconnect_delay);
    session.channel().WaitForConnected(std::chrono::system_clock::now() + args.reconnect_timeout);
  }
}

}  // namespace cascade::cli
