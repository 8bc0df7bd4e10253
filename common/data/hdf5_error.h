// Internal to common/data: the one place HDF5's C++ exceptions and error stack become absl::Status.
#pragma once

#include <H5Cpp.h>

#include <string>

#include "absl/status/status.h"

namespace cascade::data {

// Turns off HDF5's automatic printing of its error stack to stderr. The error stack is per thread
// in the thread-safe build Debian ships, so every thread that calls HDF5 must call this once
// (cheap).
void SilenceHdf5Errors();

// The innermost messages of the calling thread's HDF5 error stack (e.g. "truncated file: eof =
// ..."), joined with "; ". Empty when the stack is empty.
std::string Hdf5ErrorStack();

// A DataLoss/InvalidArgument status for a caught H5::Exception, naming the file and what was being
// done.
absl::Status Hdf5Error(const H5::Exception& e, const std::string& path, const std::string& what);

}  // namespace cascade::data
