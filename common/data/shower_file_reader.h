// Random access to the events of one EleEscan file (layout in shower_file.h).
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cascade::data {

// What Open() learned about a file's layout.
struct ShowerFileInfo {
  std::string path;
  int64_t num_events = 0;
  int raw_nx = 25, raw_ny = 25;  // 25x25 or 51x51 (cropped to the central 25x25 when read)
  std::string energy_dataset;    // "target" (column 1) or "energy"
};

// Holds one open file. Open() validates the layout (datasets, rank, shape, dtype) and reads and
// validates every Ep, so a reader that exists has a usable file; cell values are validated as
// events are read. Not thread-safe: use one reader per thread.
class ShowerFileReader {
 public:
  static absl::StatusOr<std::unique_ptr<ShowerFileReader>> Open(const std::string& path);

  const ShowerFileInfo& info() const { return info_; }
  const std::vector<float>& energies() const { return energies_; }  // (num_events) Ep in GeV

  // Reads events [begin, begin + count) into out, (count, 25, 25, 25) (x, y, z), GeV, and checks
  // that every cell is finite and >= 0. On error the content of out is unspecified.
  absl::Status ReadEvents(int64_t begin, int64_t count, float* out);

 private:
  ShowerFileReader() = default;
  absl::Status ReadEnergies();

  ShowerFileInfo info_;
  std::vector<float> energies_;
  H5::H5File file_;
  H5::DataSet ecal_;
};

}  // namespace cascade::data
