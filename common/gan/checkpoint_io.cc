#include "common/gan/checkpoint_io.h"

#include <H5Cpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cascade::gan {
namespace {

// Layout (docs/checkpoint-format.md):
//   /            attrs format="cascade-checkpoint", version=1, step, epoch (int64)
//   /config      scalar UTF-8 string (ModelConfig JSON)
//   /tensor_names 1-D UTF-8 strings: Checkpoint::tensors in order
//   /tensors/<name>  float32, shape as given ('/' in a name nests groups)
//   /strings/<name>  scalar UTF-8 string;   /scalars/<name>  scalar float64
constexpr char kTensors[] = "tensors";
constexpr char kStrings[] = "strings";
constexpr char kScalars[] = "scalars";

H5::StrType Utf8() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

void CheckName(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("empty name");
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part.empty() || part == "." || part == "..") {
      throw std::invalid_argument(absl::StrCat("name '", name, "' is not a valid group path"));
    }
  }
}

// Opens (creating as needed) the groups leading to `path` under `root`; returns the parent
// group and the last path component.
std::pair<H5::Group, std::string> ParentOf(H5::Group root, const std::string& path) {
  CheckName(path);
  std::vector<std::string> parts = absl::StrSplit(path, '/');
  H5::Group g = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    g = H5Lexists(g.getId(), parts[i].c_str(), H5P_DEFAULT) > 0 ? g.openGroup(parts[i])
                                                                : g.createGroup(parts[i]);
  }
  return {g, parts.back()};
}

void WriteString(H5::Group g, const std::string& name, const std::string& value) {
  if (value.find('\0') != std::string::npos) {
    throw std::invalid_argument(absl::StrCat("string '", name, "' contains a NUL byte"));
  }
  H5::StrType t = Utf8();
  g.createDataSet(name, t, H5::DataSpace(H5S_SCALAR)).write(value, t);
}

std::string ReadString(const H5::DataSet& ds) {
  std::string s;
  ds.read(s, ds.getStrType());
  return s;
}

void WriteTensor(H5::Group root, const NamedTensor& t) {
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  if (n != static_cast<int64_t>(t.data.size())) {
    throw std::invalid_argument(absl::StrCat("tensor '", t.name, "' has ", t.data.size(),
                                             " values but its shape holds ", n));
  }
  auto [parent, leaf] = ParentOf(root, t.name);
  std::vector<hsize_t> dims(t.shape.begin(), t.shape.end());
  H5::DataSpace space = dims.empty() ? H5::DataSpace(H5S_SCALAR)
                                     : H5::DataSpace(static_cast<int>(dims.size()), dims.data());
  H5::DataSet ds = parent.createDataSet(leaf, H5::PredType::IEEE_F32LE, space);
  if (n > 0) ds.write(t.data.data(), H5::PredType::NATIVE_FLOAT);
}

NamedTensor ReadTensor(const H5::Group& root, const std::string& name) {
  H5::DataSet ds = root.openDataSet(name);
  if (ds.getTypeClass() != H5T_FLOAT) throw std::invalid_argument("not a float dataset");
  H5::DataSpace space = ds.getSpace();
  std::vector<hsize_t> dims(space.getSimpleExtentNdims());
  space.getSimpleExtentDims(dims.data());
  NamedTensor t{name, std::vector<int64_t>(dims.begin(), dims.end()), {}};
  t.data.resize(space.getSimpleExtentNpoints());
  if (!t.data.empty()) ds.read(t.data.data(), H5::PredType::NATIVE_FLOAT);
  return t;
}

// Calls fn(relative_path, dataset) for every dataset below `g`, depth first, in name order.
template <typename Fn>
void VisitDatasets(const H5::Group& g, const std::string& prefix, std::string& current, Fn fn) {
  for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
    const std::string name = g.getObjnameByIdx(i);
    const std::string path = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
    current = path;
    if (g.childObjType(name) == H5O_TYPE_GROUP) {
      VisitDatasets(g.openGroup(name), path, current, fn);
    } else {
      fn(path, g.openDataSet(name));
    }
  }
}

void WriteAttr(H5::H5File& f, const char* name, const std::string& value) {
  H5::StrType t = Utf8();
  f.createAttribute(name, t, H5::DataSpace(H5S_SCALAR)).write(t, value);
}

void WriteAttr(H5::H5File& f, const char* name, int64_t value) {
  f.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR))
      .write(H5::PredType::NATIVE_INT64, &value);
}

void WriteFile(const std::string& path, const Checkpoint& c) {
  H5::H5File f(path, H5F_ACC_TRUNC);
  H5::StrType utf8 = Utf8();
  WriteAttr(f, "format", std::string(kCheckpointFormat));
  WriteAttr(f, "version", kCheckpointVersion);
  WriteAttr(f, "step", c.step);
  WriteAttr(f, "epoch", c.epoch);
  // H5File keeps its own id, so it must not be sliced into a Group: use the root group.
  H5::Group root = f.openGroup("/");
  WriteString(root, "config", c.config_json);

  std::vector<const char*> names;
  for (const auto& t : c.tensors) names.push_back(t.name.c_str());
  hsize_t n = names.size();
  H5::DataSet index = root.createDataSet("tensor_names", utf8, H5::DataSpace(1, &n));
  if (n > 0) index.write(names.data(), utf8);

  H5::Group tensors = root.createGroup(kTensors);
  for (const auto& t : c.tensors) WriteTensor(tensors, t);
  H5::Group strings = root.createGroup(kStrings);
  for (const auto& [name, value] : c.strings) {
    auto [parent, leaf] = ParentOf(strings, name);
    WriteString(parent, leaf, value);
  }
  H5::Group scalars = root.createGroup(kScalars);
  for (const auto& [name, value] : c.scalars) {
    auto [parent, leaf] = ParentOf(scalars, name);
    parent.createDataSet(leaf, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR))
        .write(&value, H5::PredType::NATIVE_DOUBLE);
  }
  f.close();
}

// A rename is only atomic against crashes if the data reached the disk before it.
void SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot reopen for fsync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("fsync failed");
}

}  // namespace

absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& ckpt) {
  const std::string tmp = path + ".tmp";
  try {
    H5::Exception::dontPrint();
    WriteFile(tmp, ckpt);
    SyncFile(tmp);
    std::filesystem::rename(tmp, path);
    return absl::OkStatus();
  } catch (const H5::Exception& e) {
    std::filesystem::remove(tmp);
    return absl::InternalError(absl::StrCat("checkpoint '", path, "': HDF5 error writing '", tmp,
                                            "': ", e.getFuncName(), ": ", e.getDetailMsg()));
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint '", path, "': cannot write: ", e.what()));
  }
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  const std::string where = absl::StrCat("checkpoint '", path, "'");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(where, ": no such file"));
  }
  std::string current = "root attribute 'format'";
  try {
    H5::Exception::dontPrint();
    if (!H5::H5File::isHdf5(path)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an HDF5 file"));
    }
    H5::H5File f(path, H5F_ACC_RDONLY);
    std::string format;
    if (f.attrExists("format")) {
      H5::Attribute a = f.openAttribute("format");
      if (a.getTypeClass() == H5T_STRING) a.read(a.getStrType(), format);
    }
    if (format != kCheckpointFormat) {
      return absl::InvalidArgumentError(absl::StrCat(where,
                                                     ": not a Cascade checkpoint (root attr "
                                                     "'format' is '",
                                                     format, "', expected '", kCheckpointFormat,
                                                     "')"));
    }
    current = "root attribute 'version'";
    int64_t version = 0;
    f.openAttribute("version").read(H5::PredType::NATIVE_INT64, &version);
    if (version != kCheckpointVersion) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": format version ", version,
                                                     " is not supported (expected ",
                                                     kCheckpointVersion, ")"));
    }
    Checkpoint c;
    current = "root attributes 'step'/'epoch'";
    f.openAttribute("step").read(H5::PredType::NATIVE_INT64, &c.step);
    f.openAttribute("epoch").read(H5::PredType::NATIVE_INT64, &c.epoch);
    current = "dataset 'config'";
    c.config_json = ReadString(f.openDataSet("config"));

    current = "dataset 'tensor_names'";
    H5::DataSet index = f.openDataSet("tensor_names");
    std::vector<char*> names(index.getSpace().getSimpleExtentNpoints(), nullptr);
    if (!names.empty()) index.read(names.data(), index.getStrType());
    std::vector<std::string> tensor_names(names.begin(), names.end());
    if (!names.empty()) {
      H5Dvlen_reclaim(index.getStrType().getId(), index.getSpace().getId(), H5P_DEFAULT,
                      names.data());
    }
    H5::Group tensors = f.openGroup(kTensors);
    for (const auto& name : tensor_names) {
      current = absl::StrCat("tensor '", kTensors, "/", name, "'");
      c.tensors.push_back(ReadTensor(tensors, name));
    }
    std::string rel;
    try {
      VisitDatasets(
          f.openGroup(kStrings), "", rel,
          [&](const std::string& p, const H5::DataSet& ds) { c.strings[p] = ReadString(ds); });
      VisitDatasets(f.openGroup(kScalars), "", rel,
                    [&](const std::string& p, const H5::DataSet& ds) {
                      double v = 0;
                      ds.read(&v, H5::PredType::NATIVE_DOUBLE);
                      c.scalars[p] = v;
                    });
    } catch (...) {
      current = absl::StrCat("strings/scalars entry '", rel, "'");
      throw;
    }
    return c;
  } catch (const H5::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": cannot read ", current, ": ",
                                                   e.getFuncName(), ": ", e.getDetailMsg(),
                                                   " (truncated or corrupt file?)"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", current, ": ", e.what()));
  }
}

}  // namespace cascade::gan
