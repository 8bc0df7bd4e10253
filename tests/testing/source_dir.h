// Where the repository is, for tests that read fixtures or ../shared: $CASCADE_SOURCE_DIR if set,
// else the source tree this binary was configured from.
#pragma once

#include <cstdlib>

namespace cascade::testing {

inline const char* SourceDir() {
  const char* env = std::getenv("CASCADE_SOURCE_DIR");
  return env != nullptr ? env : CASCADE_SOURCE_DIR_BUILTIN;
}

}  // namespace cascade::testing
