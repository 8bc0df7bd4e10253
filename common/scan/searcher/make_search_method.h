// Builds the search method a validated spec asks for (grid, random or asha).
#pragma once

#include <memory>

#include "common/scan/scan_spec.h"
#include "common/scan/searcher/search_method.h"

namespace cascade::scan {

std::unique_ptr<SearchMethod> MakeSearchMethod(const ScanSpec& spec);

}  // namespace cascade::scan
