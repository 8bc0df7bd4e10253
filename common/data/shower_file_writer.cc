#include "common/data/shower_file_writer.h"

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/data/hdf5_error.h"

namespace cascade::data {

absl::StatusOr<std::unique_ptr<ShowerFileWriter>> ShowerFileWriter::Create(
    const std::string& path, int64_t num_events, const WriteOptions& options) {
  SilenceHdf5Errors();
  if (num_events <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": refusing to write a file with ", num_events, " events"));
  }
  if (options.gzip_level < 0 || options.gzip_level > 9) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": gzip level ", options.gzip_level, " outside 0..9"));
  }
  std::unique_ptr<ShowerFileWriter> w(new ShowerFileWriter());
  w->path_ = path;
  w->tmp_path_ = path + ".tmp";
  w->num_events_ = num_events;
  try {
    w->file_ = H5::H5File(w->tmp_path_, H5F_ACC_TRUNC);
    const hsize_t n = static_cast<hsize_t>(num_events);
    const hsize_t ecal_dims[4] = {n, kShowerCells, kShowerCells, kShowerCells};
    // No object timestamps: the same seed then gives byte-identical files.
    H5::DSetCreatPropList ecal_props, target_props;
    H5Pset_obj_track_times(ecal_props.getId(), false);
    H5Pset_obj_track_times(target_props.getId(), false);
    // One event per chunk: the loader reads single events in random order.
    const hsize_t chunk[4] = {1, kShowerCells, kShowerCells, kShowerCells};
    ecal_props.setChunk(4, chunk);
    if (options.gzip_level > 0) {
      ecal_props.setShuffle();
      ecal_props.setDeflate(options.gzip_level);
    }
    w->ecal_ = w->file_.createDataSet("ECAL", H5::PredType::IEEE_F32LE, H5::DataSpace(4, ecal_dims),
                                      ecal_props);
    const hsize_t target_dims[2] = {n, 2};
    w->target_ = w->file_.createDataSet("target", H5::PredType::IEEE_F32LE,
                                        H5::DataSpace(2, target_dims), target_props);
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, w->tmp_path_, "creating the file");
  }
  return w;
}

ShowerFileWriter::~ShowerFileWriter() {
  if (finished_) return;
  try {
    file_.close();
  } catch (const H5::Exception&) {
    // Nothing to report from a destructor; the temporary file is removed below either way.
  }
  std::error_code ec;
  std::filesystem::remove(tmp_path_, ec);
}

absl::Status ShowerFileWriter::Append(const float* ecal, const float* energy, int64_t count) {
  SilenceHdf5Errors();
  if (count <= 0) return absl::OkStatus();
  if (written_ + count > num_events_) {
    return absl::OutOfRangeError(absl::StrCat(path_, ": appending ", count, " events after ",
                                              written_, " exceeds the declared ", num_events_));
  }
  std::vector<float> target(2 * count);
  for (int64_t i = 0; i < count; ++i) {
    target[2 * i] = 0.0f;  // meaning unknown in the CERN files; see shower_file.h
    target[2 * i + 1] = energy[i];
  }
  try {
    const hsize_t start4[4] = {static_cast<hsize_t>(written_), 0, 0, 0};
    const hsize_t shape4[4] = {static_cast<hsize_t>(count), kShowerCells, kShowerCells,
                               kShowerCells};
    H5::DataSpace ecal_space = ecal_.getSpace();
    ecal_space.selectHyperslab(H5S_SELECT_SET, shape4, start4);
    ecal_.write(ecal, H5::PredType::NATIVE_FLOAT, H5::DataSpace(4, shape4), ecal_space);
    const hsize_t start2[2] = {static_cast<hsize_t>(written_), 0};
    const hsize_t shape2[2] = {static_cast<hsize_t>(count), 2};
    H5::DataSpace target_space = target_.getSpace();
    target_space.selectHyperslab(H5S_SELECT_SET, shape2, start2);
    target_.write(target.data(), H5::PredType::NATIVE_FLOAT, H5::DataSpace(2, shape2),
                  target_space);
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, tmp_path_, absl::StrCat("writing events at ", written_));
  }
  written_ += count;
  return absl::OkStatus();
}

absl::Status ShowerFileWriter::Finish() {
  SilenceHdf5Errors();
  if (written_ != num_events_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": only ", written_, " of ", num_events_, " events were written"));
  }
  try {
    ecal_.close();
    target_.close();
    file_.close();
  } catch (const H5::Exception& e) {
    return Hdf5Error(e, tmp_path_, "closing the file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("renaming ", tmp_path_, " to ", path_, ": ", ec.message()));
  }
  finished_ = true;
  return absl::OkStatus();
}

}  // namespace cascade::data
