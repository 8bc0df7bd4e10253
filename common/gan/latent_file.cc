#include "common/gan/latent_file.h"

#include <H5Cpp.h>

#include <cmath>

#include "absl/strings/str_cat.h"

namespace cascade::gan {
namespace {

std::vector<hsize_t> Dims(const H5::DataSet& ds) {
  H5::DataSpace space = ds.getSpace();
  std::vector<hsize_t> dims(space.getSimpleExtentNdims());
  space.getSimpleExtentDims(dims.data());
  return dims;
}

}  // namespace

absl::StatusOr<LatentSet> ReadLatentFile(const std::string& path) {
  H5::Exception::dontPrint();
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    for (const char* name : {"z", "energy"}) {
      if (!file.nameExists(name)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": missing dataset '", name, "'"));
      }
    }
    H5::DataSet z = file.openDataSet("z");
    H5::DataSet e = file.openDataSet("energy");
    const auto zd = Dims(z);
    const auto ed = Dims(e);
    if (zd.size() != 2 || ed.size() != 1 || zd[0] != ed[0]) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": expected z (N, L) and energy (N) with the same N"));
    }
    LatentSet set;
    set.n = static_cast<int64_t>(zd[0]);
    set.latent_size = static_cast<int64_t>(zd[1]);
    set.z.resize(set.n * set.latent_size);
    set.energy.resize(set.n);
    z.read(set.z.data(), H5::PredType::NATIVE_FLOAT);
    e.read(set.energy.data(), H5::PredType::NATIVE_FLOAT);
    for (int64_t i = 0; i < set.n; ++i) {
      if (!std::isfinite(set.energy[i]) || set.energy[i] <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": energy[", i, "] = ", set.energy[i], " is not a positive GeV"));
      }
    }
    for (float v : set.z) {
      if (!std::isfinite(v))
        return absl::InvalidArgumentError(absl::StrCat(path, ": z has NaN/Inf"));
    }
    return set;
  } catch (const H5::Exception& ex) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read latent file (", ex.getDetailMsg(), ")"));
  }
}

absl::Status WriteLatentFile(const std::string& path, const LatentSet& latent) {
  H5::Exception::dontPrint();
  try {
    H5::H5File file(path, H5F_ACC_TRUNC);
    hsize_t zd[2] = {static_cast<hsize_t>(latent.n), static_cast<hsize_t>(latent.latent_size)};
    hsize_t ed[1] = {static_cast<hsize_t>(latent.n)};
    file.createDataSet("z", H5::PredType::IEEE_F32LE, H5::DataSpace(2, zd))
        .write(latent.z.data(), H5::PredType::NATIVE_FLOAT);
    file.createDataSet("energy", H5::PredType::IEEE_F32LE, H5::DataSpace(1, ed))
        .write(latent.energy.data(), H5::PredType::NATIVE_FLOAT);
    return absl::OkStatus();
  } catch (const H5::Exception& ex) {
    return absl::InternalError(absl::StrCat(path, ": cannot write (", ex.getDetailMsg(), ")"));
  }
}

}  // namespace cascade::gan
