// `cascade submit`, `scans`, `cancel`, `pause`, `resume`.
#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/service_commands.h"
#include "cli/service_views.h"

namespace cascade::cli {

std::string NewRequestId(std::mt19937_64& rng) {
  const uint64_t hi = rng();
  const uint64_t lo = rng();
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

int RunSubmit(ServiceSession& session, const SubmitArgs& args, const CommandIo& io) {
  std::ifstream in(args.spec_file);
  if (!in) {
    io.err << "cascade submit: scan spec " << args.spec_file << ": cannot be read\n";
    return kBadInput;
  }
  std::ostringstream spec;
  spec << in.rdbuf();

  v1::SubmitScanRequest request;
  request.set_spec_yaml(spec.str());
  request.set_validate_only(args.validate_only);
  request.set_request_id(args.request_id);
  v1::SubmitScanResponse response;
  grpc::Status status;
  // A submit whose answer was lost is retried with the same request id, so the coordinator
  // returns the scan it already created instead of starting a second one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::ClientContext context;
    session.Prepare(context);
    status = session.stub().SubmitScan(&context, request, &response);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    if (attempt == 0) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      // The coordinator's message starts with the field path; prefix the file like a compiler.
      io.err << "cascade submit: " << args.spec_file << ": " << status.error_message() << "\n";
      return kBadInput;
    }
    const int code = session.Fail(status, "submit", io.err);
    if (code == kUnavailable && !args.validate_only) {
      io.err << "hint: retrying with --request-id " << args.request_id
             << " cannot create the scan twice.\n";
    }
    return code;
  }
  if (args.output == OutputFormat::kJson) {
    // With --watch, JSON lines of events follow: keep every document on one line.
    io.out << ToJson(response, /*compact=*/args.watch) << "\n";
  } else if (args.validate_only) {
    io.out << fmt::format("{}: valid, {} trials planned\n", args.spec_file,
                          response.trials_planned());
  } else {
    io.out << response.scan().id() << "\n";
    io.err << fmt::format(
        "submitted scan {} \"{}\": {} trials planned; follow it with: cascade "
        "watch {}\n",
        response.scan().id(), response.scan().name(), response.trials_planned(),
        response.scan().id());
  }
  if (args.watch && !args.validate_only) {
    WatchArgs watch;
    watch.scan_id = response.scan().id();
    watch.output = args.output;
    return RunWatch(session, watch, io);
  }
  return kOk;
}

int RunScans(ServiceSession& session, const ListArgs& args, const CommandIo& io) {
  v1::ListScansRequest request;
  for (const auto& label : args.states) {
    auto state = ParseEnumLabel(v1::ScanState_descriptor(), label);
    if (!state.ok()) {
      io.err << "cascade scans: --state: " << state.status().message() << "\n";
      return kUsage;
    }
    request.add_states(static_cast<v1::ScanState>(*state));
  }
  v1::ListScansResponse all;
  do {
    grpc::ClientContext context;
    session.Prepare(context);
    v1::ListScansResponse page;
    grpc::Status status = session.stub().ListScans(&context, request, &page);
    if (!status.ok()) return session.Fail(status, "scans", io.err);
    all.mutable_scans()->MergeFrom(page.scans());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());

  if (args.output == OutputFormat::kJson) {
    io.out << ToJson(all) << "\n";
  } else if (all.scans().empty()) {
    io.err << "no scans" << (args.states.empty() ? "" : " in that state") << "\n";
  } else {
    ScanTable(all.scans()).Print(io.out);
  }
  return kOk;
}

int RunScanAction(ServiceSession& session, ScanAction action, const std::string& scan_id,
                  OutputFormat output, const CommandIo& io) {
  grpc::ClientContext context;
  session.Prepare(context);
  grpc::Status status;
  v1::Scan scan;
  std::string command;
  switch (action) {
    case ScanAction::kCancel: {
      command = "cancel";
      v1::CancelScanRequest request;
      request.set_scan_id(scan_id);
      v1::CancelScanResponse response;
      status = session.stub().CancelScan(&context, request, &response);
      scan = response.scan();
      break;
    }
    case ScanAction::kPause: {
      command = "pause";
      v1::PauseScanRequest request;
      request.set_scan_id(scan_id);
      v1::PauseScanResponse response;
      status = session.stub().PauseScan(&context, request, &response);
      scan = response.scan();
      break;
    }
    case ScanAction::kResume: {
      command = "resume";
      v1::ResumeScanRequest request;
      request.set_scan_id(scan_id);
      v1::ResumeScanResponse response;
      status = session.stub().ResumeScan(&context, request, &response);
      scan = response.scan();
      break;
    }
  }
  if (!status.ok()) return session.Fail(status, command, io.err);
  if (output == OutputFormat::kJson) {
    io.out << ToJson(scan) << "\n";
  } else {
    io.out << fmt::format("scan {}: {}\n", scan.id(), EnumLabel(scan.state()));
  }
  return kOk;
}

}  // namespace cascade::cli
