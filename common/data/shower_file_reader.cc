#include "common/data/shower_file_reader.h"

#include <cmath>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/data/hdf5_error.h"
#include "common/data/shower_file.h"
#include "common/status_macros.h"

namespace cascade::data {
namespace {

// Chunk cache per ECAL dataset: large enough for files written with multi-event chunks, where
// random access would otherwise decompress a chunk per event.
constexpr size_t kChunkCacheBytes = size_t{16} << 20;
constexpr size_t kChunkCacheSlots = 1009;
constexpr int kCropOffset51 = 13;  // central 25 of 51: [13:38] (physics.md §1.2)

const char* TypeClassName(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    default:
      return "non-numeric";
  }
}

bool HasDataset(const H5::H5File& file, const char* name) {
  return H5Lexists(file.getId(), name, H5P_DEFAULT) > 0;
}

std::vector<hsize_t> Dims(const H5::DataSet& ds) {
  H5::DataSpace space = ds.getSpace();
  std::vector<hsize_t> dims(space.getSimpleExtentNdims());
  space.getSimpleExtentDims(dims.data());
  return dims;
}

std::string ShapeString(const std::vector<hsize_t>& dims) {
  return absl::StrCat("(", absl::StrJoin(dims, ", "), ")");
}

absl::Status CheckFloat(const H5::DataSet& ds, const std::string& path, const char* name) {
  const H5T_class_t c = ds.getTypeClass();
  if (c == H5T_FLOAT) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": dataset ", name, " has dtype ", TypeClassName(c), ", expected float32 or float64"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ShowerFileReader>> ShowerFileReader::Open(const std::string& path) {
  SilenceHdf5Errors();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", ec.message()));
  if (size == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file (0 bytes)"));

  std::unique_ptr<ShowerFileReader> reader(new ShowerFileReader());
  reader->info_.path = path;
  ShowerFileInfo& info = reader->info_;
  try {
    if (H5Fis_hdf5(path.c_str()) <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not an HDF5 file"));
    }
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, path, "checking the HDF5 signature");
  }
  try {
    reader->file_.openFile(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, path, "opening (truncated or corrupt file?)");
  }
  try {
    if (!HasDataset(reader->file_, "ECAL")) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": missing dataset ECAL"));
    }
    H5::DSetAccPropList dapl;
    dapl.setChunkCache(kChunkCacheSlots, kChunkCacheBytes, 1.0);
    reader->ecal_ = reader->file_.openDataSet("ECAL", dapl);
    CASCADE_RETURN_IF_ERROR(CheckFloat(reader->ecal_, path, "ECAL"));
    const std::vector<hsize_t> dims = Dims(reader->ecal_);
    const bool ok_rank = dims.size() == 4 && dims[3] == kShowerCells && dims[1] == dims[2];
    if (!ok_rank || (dims[1] != 25 && dims[1] != 51)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": dataset ECAL has shape ", ShapeString(dims),
                       ", expected (N, 25, 25, 25) or (N, 51, 51, 25) with z = depth last"));
    }
    info.num_events = static_cast<int64_t>(dims[0]);
    info.raw_nx = info.raw_ny = static_cast<int>(dims[1]);
    if (info.num_events == 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": dataset ECAL holds no events"));
    }
    CASCADE_RETURN_IF_ERROR(reader->ReadEnergies());
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, path, "reading the layout");
  }
  return reader;
}

absl::Status ShowerFileReader::ReadEnergies() {
  const std::string& path = info_.path;
  const int64_t n = info_.num_events;
  std::string column;
  if (HasDataset(file_, "target")) {
    info_.energy_dataset = "target";
    column = "target[:, 1]";
    H5::DataSet ds = file_.openDataSet("target");
    CASCADE_RETURN_IF_ERROR(CheckFloat(ds, path, "target"));
    const std::vector<hsize_t> dims = Dims(ds);
    if (dims.size() != 2 || dims[1] < 2 || static_cast<int64_t>(dims[0]) != n) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": dataset target has shape ",
                                                     ShapeString(dims), ", expected (", n,
                                                     ", >=2) matching ECAL"));
    }
    std::vector<float> all(n * dims[1]);
    ds.read(all.data(), H5::PredType::NATIVE_FLOAT);
    energies_.resize(n);
    for (int64_t i = 0; i < n; ++i) energies_[i] = all[i * dims[1] + 1];
  } else if (HasDataset(file_, "energy")) {
    info_.energy_dataset = "energy";
    column = "energy";
    H5::DataSet ds = file_.openDataSet("energy");
    CASCADE_RETURN_IF_ERROR(CheckFloat(ds, path, "energy"));
    const std::vector<hsize_t> dims = Dims(ds);
    const bool ok = (dims.size() == 1 || (dims.size() == 2 && dims[1] == 1)) &&
                    static_cast<int64_t>(dims[0]) == n;
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": dataset energy has shape ",
                                                     ShapeString(dims), ", expected (", n,
                                                     ") matching ECAL"));
    }
    energies_.resize(n);
    ds.read(energies_.data(), H5::PredType::NATIVE_FLOAT);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": missing dataset target (or energy) holding the primary energy"));
  }
  for (int64_t i = 0; i < n; ++i) {
    const float ep = energies_[i];
    if (!(ep > 0.0f && ep <= kMaxPrimaryEnergyGeV)) {  // also rejects NaN
      return absl::InvalidArgumentError(absl::StrCat(path, ": dataset ", column, " event ", i,
                                                     ": Ep = ", ep, " GeV is outside (0, ",
                                                     kMaxPrimaryEnergyGeV, "] GeV"));
    }
  }
  return absl::OkStatus();
}

absl::Status ShowerFileReader::ReadEvents(int64_t begin, int64_t count, float* out) {
  SilenceHdf5Errors();
  const std::string& path = info_.path;
  if (begin < 0 || count < 0 || begin + count > info_.num_events) {
    return absl::OutOfRangeError(absl::StrCat(path, ": events [", begin, ", ", begin + count,
                                              ") outside [0, ", info_.num_events, ")"));
  }
  if (count == 0) return absl::OkStatus();
  const hsize_t xy0 = info_.raw_nx == 51 ? kCropOffset51 : 0;
  try {
    H5::DataSpace file_space = ecal_.getSpace();
    const hsize_t start[4] = {static_cast<hsize_t>(begin), xy0, xy0, 0};
    const hsize_t shape[4] = {static_cast<hsize_t>(count), kShowerCells, kShowerCells,
                              kShowerCells};
    file_space.selectHyperslab(H5S_SELECT_SET, shape, start);
    H5::DataSpace mem_space(4, shape);
    ecal_.read(out, H5::PredType::NATIVE_FLOAT, mem_space, file_space);
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, path,
                     absl::StrCat("reading ECAL events [", begin, ", ", begin + count, ")"));
  }
  for (int64_t i = 0; i < count * kShowerSize; ++i) {
    const float v = out[i];
    if (std::isfinite(v) && v >= 0.0f) continue;
    const int64_t cell = i % kShowerSize;
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": dataset ECAL event ", begin + i / kShowerSize,
        " cell (x=", cell / (kShowerCells * kShowerCells),
        ", y=", (cell / kShowerCells) % kShowerCells, ", z=", cell % kShowerCells, ") is ",
        std::isnan(v) ? "NaN" : (std::isinf(v) ? "Inf" : absl::StrCat("negative (", v, ")"))));
  }
  return absl::OkStatus();
}

}  // namespace cascade::data
