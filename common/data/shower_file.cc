#include "common/data/shower_file.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/data/shower_file_reader.h"
#include "common/data/shower_file_writer.h"
#include "common/status_macros.h"

namespace cascade::data {
namespace {
constexpr int64_t kReadBlock = 1024;  // events per HDF5 read: bounded temporaries, few calls
}  // namespace

absl::StatusOr<ShowerSet> ReadShowerFile(const std::string& path, const ReadOptions& options) {
  CASCADE_ASSIGN_OR_RETURN(std::unique_ptr<ShowerFileReader> reader, ShowerFileReader::Open(path));
  const int64_t total = reader->info().num_events;
  const int64_t n = options.max_events < 0 ? total : std::min(total, options.max_events);
  ShowerSet set;
  set.n = n;
  set.ecal.resize(n * kShowerSize);
  set.energy.assign(reader->energies().begin(), reader->energies().begin() + n);
  for (int64_t begin = 0; begin < n; begin += kReadBlock) {
    const int64_t count = std::min(kReadBlock, n - begin);
    CASCADE_RETURN_IF_ERROR(
        reader->ReadEvents(begin, count, set.ecal.data() + begin * kShowerSize));
  }
  if (options.cell_scale != 1.0f) {
    for (float& v : set.ecal) v *= options.cell_scale;
  }
  return set;
}

absl::Status WriteShowerFile(const std::string& path, const ShowerSet& showers,
                             const WriteOptions& options) {
  if (static_cast<int64_t>(showers.ecal.size()) != showers.n * kShowerSize ||
      static_cast<int64_t>(showers.energy.size()) != showers.n) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ShowerSet sizes disagree: n = ", showers.n, ", ecal holds ",
                     showers.ecal.size(), " floats, energy ", showers.energy.size()));
  }
  CASCADE_ASSIGN_OR_RETURN(std::unique_ptr<ShowerFileWriter> writer,
                           ShowerFileWriter::Create(path, showers.n, options));
  CASCADE_RETURN_IF_ERROR(writer->Append(showers.ecal.data(), showers.energy.data(), showers.n));
  return writer->Finish();
}

}  // namespace cascade::data
