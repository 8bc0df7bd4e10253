// Logging setup of the coordinator binary: spdlog to stderr, one line per event, either
// human-readable or one JSON object per line (--log-json) for log shippers.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace cascade::coordinator {

// `level`: trace | debug | info | warn | error | critical | off. InvalidArgument naming the value.
absl::Status ConfigureLogging(const std::string& level, bool json);

}  // namespace cascade::coordinator
