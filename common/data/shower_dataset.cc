#include "common/data/shower_dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cascade::data {
namespace {

absl::StatusOr<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(p, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".h5") {
        files.push_back(entry.path().string());
      }
    }
    if (ec) return absl::NotFoundError(absl::StrCat(p, ": cannot list directory: ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  if (files.empty()) return absl::InvalidArgumentError("no .h5 files in the dataset paths");
  return files;
}

int64_t Total(const std::vector<EventRange>& ranges) {
  return std::accumulate(ranges.begin(), ranges.end(), int64_t{0},
                         [](int64_t s, const EventRange& r) { return s + r.size(); });
}

}  // namespace

absl::StatusOr<ShowerDataset> ShowerDataset::Open(const std::vector<std::string>& paths,
                                                  const DatasetOptions& options) {
  if (!(options.test_fraction >= 0.0 && options.test_fraction < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("test fraction ", options.test_fraction, " outside [0, 1)"));
  }
  CASCADE_ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandPaths(paths));
  ShowerDataset ds;
  for (const std::string& f : files) {
    CASCADE_ASSIGN_OR_RETURN(std::unique_ptr<ShowerFileReader> reader, ShowerFileReader::Open(f));
    const ShowerFileInfo& info = reader->info();
    if (!ds.files_.empty() && info.raw_nx != ds.files_.front().raw_nx) {
      const ShowerFileInfo& first = ds.files_.front();
      return absl::InvalidArgumentError(absl::StrCat(
          "files disagree in shape: ", first.path, " has ECAL (N, ", first.raw_nx, ", ",
          first.raw_ny, ", 25) but ", f, " has (N, ", info.raw_nx, ", ", info.raw_ny, ", 25)"));
    }
    ds.files_.push_back(info);
  }
  const int64_t n = static_cast<int64_t>(ds.files_.size());
  if (n == 1) {
    const ShowerFileInfo& only = ds.files_.front();
    const int64_t n_test = std::llround(only.num_events * options.test_fraction);
    ds.train_.push_back({only.path, 0, only.num_events - n_test});
    if (n_test > 0) ds.test_.push_back({only.path, only.num_events - n_test, only.num_events});
  } else {
    int64_t n_test = std::llround(n * options.test_fraction);
    if (options.test_fraction > 0.0) n_test = std::max<int64_t>(1, n_test);
    for (int64_t i = 0; i < n; ++i) {
      const ShowerFileInfo& f = ds.files_[i];
      (i < n - n_test ? ds.train_ : ds.test_).push_back({f.path, 0, f.num_events});
    }
  }
  if (ds.train_.empty() || Total(ds.train_) == 0) {
    return absl::InvalidArgumentError("the dataset split leaves no training events");
  }
  return ds;
}

int64_t ShowerDataset::num_train_events() const { return Total(train_); }
int64_t ShowerDataset::num_test_events() const { return Total(test_); }

}  // namespace cascade::data
