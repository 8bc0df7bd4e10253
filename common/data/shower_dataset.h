// A training dataset: a list of EleEscan files split into train and test parts, as 3DGAN's
// DivideFiles does (physics.md §1.1).
//
// Split rule: files are sorted by path; with n >= 2 files the last max(1, round(n * test_fraction))
// files are the test part (20 files -> 18 train + 2 test, as the talk's 180k/20k). A single file is
// split by events instead (first 90% train, last 10% test) so a one-file demo still trains and
// validates on disjoint events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/data/batch.h"
#include "common/data/shower_file_reader.h"

namespace cascade::data {

// Events [begin, end) of one file.
struct EventRange {
  std::string path;
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};

struct DatasetOptions {
  double test_fraction = 0.1;
};

// Immutable after Open(): every file was opened, its layout and energies checked, and all files
// agree on the ECAL event shape.
class ShowerDataset {
 public:
  // `paths` are files or directories (a directory contributes its *.h5 files).
  static absl::StatusOr<ShowerDataset> Open(const std::vector<std::string>& paths,
                                            const DatasetOptions& options = {});

  const std::vector<ShowerFileInfo>& files() const { return files_; }  // sorted by path
  const std::vector<EventRange>& train() const { return train_; }
  const std::vector<EventRange>& test() const { return test_; }
  int64_t num_train_events() const;
  int64_t num_test_events() const;

 private:
  std::vector<ShowerFileInfo> files_;
  std::vector<EventRange> train_, test_;
};

}  // namespace cascade::data
