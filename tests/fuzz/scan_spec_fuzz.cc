// libFuzzer target for the scan-spec parser, the coordinator's first contact with user input.
// Property: any byte string yields a spec or an InvalidArgument/NotFound status - never a crash,
// an exception, UB or an unbounded allocation - and a spec that parses can start its searcher.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/scan/searcher/make_search_method.h"
#include "common/scan/spec_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cascade::scan::ScanSpec> spec = cascade::scan::ParseScanSpec(text);
  if (!spec.ok()) {
    if (spec.status().code() != absl::StatusCode::kInvalidArgument) __builtin_trap();
    return 0;
  }
  // Bound the work per input: the first batch of Creates is min(trials, concurrency) long.
  const int64_t trials = spec->searcher.kind == cascade::scan::SearcherKind::kGrid
                             ? cascade::scan::GridSize(*spec)
                             : spec->searcher.max_trials;
  if (std::min<int64_t>(trials, spec->resources.max_concurrent_trials) > 256) return 0;
  std::unique_ptr<cascade::scan::SearchMethod> searcher = cascade::scan::MakeSearchMethod(*spec);
  absl::StatusOr<std::vector<cascade::scan::Action>> actions = searcher->InitialTrials();
  if (!actions.ok() || actions->empty()) __builtin_trap();
  if (!searcher->Restore(searcher->Snapshot()).ok()) __builtin_trap();
  return 0;
}
