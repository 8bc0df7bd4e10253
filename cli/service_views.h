// Tables of scans, trials and workers as the service commands print them (one row each), and
// the JSON documents of `-o json` that combine several messages.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <ostream>

#include "cascade/v1/scan.pb.h"
#include "cascade/v1/trial.pb.h"
#include "cascade/v1/worker.pb.h"
#include "cli/service_format.h"

namespace cascade::cli {

// "3/8" trials finished (completed, stopped, failed, canceled) out of total.
std::string TrialsDone(const v1::TrialCounts& counts);
// "sampling_fraction_mre 0.0812 (t-000003)" or "-" before the first validation.
std::string BestSummary(const v1::Scan& scan);
bool IsTerminal(v1::ScanState state);

Table ScanTable(const google::protobuf::RepeatedPtrField<v1::Scan>& scans);
Table TrialTable(const google::protobuf::RepeatedPtrField<v1::Trial>& trials);
Table WorkerTable(const google::protobuf::RepeatedPtrField<v1::Worker>& workers);

// "key: value" lines describing one scan (the header of `status SCAN` and `watch`).
void PrintScanHeader(const v1::Scan& scan, std::ostream& out);

}  // namespace cascade::cli
