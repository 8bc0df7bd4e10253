#include "tests/unit/common/scan/searcher_test_util.h"

#include "absl/strings/str_cat.h"
#include "common/scan/spec_parser.h"
#include "gtest/gtest.h"

namespace cascade::scan::testing {

ScanSpec MustParse(const std::string& yaml) {
  absl::StatusOr<ScanSpec> spec = ParseScanSpec(yaml);
  EXPECT_TRUE(spec.ok()) << spec.status() << "\n" << yaml;
  return spec.ok() ? *spec : ScanSpec{};
}

ScanSpec AshaSpec(int max_trials, int max_epochs, int divisor, int max_rungs, int concurrency,
                  bool smaller_is_better) {
  return MustParse(absl::StrCat("name: asha\ndata: {simulate: {}}\nseed: 11\n",
                                "hyperparameters: {x: {type: double, minval: 0, maxval: 1}}\n",
                                "searcher: {name: asha, max_trials: ", max_trials, ", max_epochs: ",
                                max_epochs, ", divisor: ", divisor, ", max_rungs: ", max_rungs,
                                ", smaller_is_better: ", smaller_is_better ? "true" : "false",
                                "}\n", "resources: {max_concurrent_trials: ", concurrency, "}\n"));
}

}  // namespace cascade::scan::testing
