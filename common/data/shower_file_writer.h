// Streams showers into a new EleEscan file, block by block, so a 10k-event file never needs to sit
// in memory whole.
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/data/shower_file.h"

namespace cascade::data {

// Writes `num_events` events into `<path>.tmp` and renames it to `path` in Finish(), so readers
// never see a partial file. Invariant: events are written in order; Finish() requires all of them.
class ShowerFileWriter {
 public:
  static absl::StatusOr<std::unique_ptr<ShowerFileWriter>> Create(const std::string& path,
                                                                  int64_t num_events,
                                                                  const WriteOptions& options);
  ~ShowerFileWriter();  // removes the temporary file if Finish() was not reached

  // Appends `count` events: ecal (count, 25, 25, 25) GeV, energy (count) GeV.
  absl::Status Append(const float* ecal, const float* energy, int64_t count);
  absl::Status Finish();

 private:
  ShowerFileWriter() = default;

  std::string path_, tmp_path_;
  int64_t num_events_ = 0, written_ = 0;
  bool finished_ = false;
  H5::H5File file_;
  H5::DataSet ecal_, target_;
};

}  // namespace cascade::data
