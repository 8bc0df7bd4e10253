#include "common/scan/searcher/make_search_method.h"

#include "common/scan/searcher/asha_search.h"
#include "common/scan/searcher/grid_search.h"
#include "common/scan/searcher/random_search.h"

namespace cascade::scan {

std::unique_ptr<SearchMethod> MakeSearchMethod(const ScanSpec& spec) {
  switch (spec.searcher.kind) {
    case SearcherKind::kGrid:
      return std::make_unique<GridSearch>(spec);
    case SearcherKind::kRandom:
      return std::make_unique<RandomSearch>(spec);
    case SearcherKind::kAsha:
      return std::make_unique<AshaSearch>(spec);
  }
  return nullptr;
}

}  // namespace cascade::scan
