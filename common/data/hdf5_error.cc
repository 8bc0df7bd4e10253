#include "common/data/hdf5_error.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cascade::data {

void SilenceHdf5Errors() { H5::Exception::dontPrint(); }

namespace {

herr_t CollectMessage(unsigned n, const H5E_error2_t* err, void* data) {
  auto* messages = static_cast<std::vector<std::string>*>(data);
  if (err->desc != nullptr && err->desc[0] != '\0') messages->emplace_back(err->desc);
  return 0;
}

}  // namespace

std::string Hdf5ErrorStack() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, CollectMessage, &messages);
  // Upward walk starts at the innermost (most specific) error; two are enough to say what happened.
  if (messages.size() > 2) messages.resize(2);
  return absl::StrJoin(messages, "; ");
}

absl::Status Hdf5Error(const H5::Exception& e, const std::string& path, const std::string& what) {
  std::string detail = Hdf5ErrorStack();
  if (detail.empty()) detail = e.getDetailMsg();
  return absl::DataLossError(absl::StrCat(path, ": HDF5 error while ", what, ": ", detail));
}

}  // namespace cascade::data
