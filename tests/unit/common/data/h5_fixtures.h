// Test fixtures: small HDF5 files written directly with the HDF5 API, good and deliberately bad.
#pragma once

#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/data/shower_file.h"

namespace cascade::data::testing {

// A fresh directory under the gtest temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            (std::string("cascade_data_") + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

template <typename T>
void WriteDataset(H5::H5File& file, const std::string& name, const std::vector<hsize_t>& dims,
                  const H5::PredType& file_type, const H5::PredType& mem_type,
                  const std::vector<T>& data) {
  H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  H5::DataSet ds = file.createDataSet(name, file_type, space);
  if (!data.empty()) ds.write(data.data(), mem_type);
}

// Event e has value (e + 1) * 1e-3 in cell (x, y, z) = (e % 25, 3, 7) and 2e-7 (below the
// preprocessing threshold) in cell (0, 0, 0); Ep = 10 (e + 1) GeV. Lets tests identify events.
inline ShowerSet MakeTaggedShowers(int64_t n, int64_t tag_offset = 0) {
  ShowerSet s;
  s.n = n;
  s.ecal.assign(n * kShowerSize, 0.0f);
  s.energy.resize(n);
  for (int64_t e = 0; e < n; ++e) {
    const int64_t id = e + tag_offset;
    float* img = s.ecal.data() + e * kShowerSize;
    img[((id % 25) * 25 + 3) * 25 + 7] = static_cast<float>((id + 1) * 1e-3);
    img[0] = 2e-7f;
    s.energy[e] = static_cast<float>(10 * (id + 1));
  }
  return s;
}

// The event tag of a raw or preprocessed image: (value at (id % 25, 3, 7)) / scale - 1.
inline int64_t TagOf(const float* image, float scale) {
  for (int x = 0; x < 25; ++x) {
    const float v = image[(x * 25 + 3) * 25 + 7];
    if (v > 0) return static_cast<int64_t>(std::lround(v / (1e-3f * scale))) - 1;
  }
  return -1;
}

inline void CopyPrefix(const std::string& from, const std::string& to, double fraction) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream out(to, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() * fraction));
}

}  // namespace cascade::data::testing
