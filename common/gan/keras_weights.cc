#include "common/gan/keras_weights.h"

#include <H5Cpp.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace cascade::gan {
namespace {

using Shape = std::vector<int64_t>;

std::string ShapeStr(const Shape& s) { return absl::StrCat("(", absl::StrJoin(s, ", "), ")"); }

// Keras writes `weight_names` as a fixed-length byte-string array, but a weightless layer gets an
// empty float64 array; h5py-written files may use variable-length strings. Accept all three.
std::vector<std::string> ReadStringArrayAttr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute attr = obj.openAttribute(name);
  const auto n = static_cast<size_t>(attr.getSpace().getSimpleExtentNpoints());
  if (attr.getTypeClass() != H5T_STRING || n == 0) return {};
  H5::StrType type = attr.getStrType();
  std::vector<std::string> out;
  if (type.isVariableStr()) {
    std::vector<char*> ptrs(n, nullptr);
    attr.read(type, ptrs.data());
    for (char* p : ptrs) {
      out.emplace_back(p ? p : "");
      H5free_memory(p);
    }
    return out;
  }
  const size_t width = type.getSize();
  std::vector<char> buf(n * width);
  attr.read(type, buf.data());
  for (size_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * width;
    out.emplace_back(p, std::find(p, p + width, '\0'));
  }
  return out;
}

KerasTensor ReadFloatDataset(const H5::H5File& file, const std::string& path) {
  H5::DataSet ds = file.openDataSet(path);
  if (ds.getTypeClass() != H5T_FLOAT) {
    throw std::invalid_argument(absl::StrCat("dataset '", path, "' is not floating point"));
  }
  H5::DataSpace space = ds.getSpace();
  std::vector<hsize_t> dims(space.getSimpleExtentNdims());
  space.getSimpleExtentDims(dims.data());
  KerasTensor t;
  t.shape.assign(dims.begin(), dims.end());
  t.data.resize(space.getSimpleExtentNpoints());
  ds.read(t.data.data(), H5::PredType::NATIVE_FLOAT);
  return t;
}

// How a Keras tensor becomes a Cascade tensor.
enum class Conversion {
  kDirect,          // biases, BN vectors
  kConvKernel,      // (kd,kh,kw,in,out) -> (out,in,kd,kh,kw)
  kDenseToReshape,  // (in, D·H·W·C) whose outputs feed a channels_last Reshape -> (C·D·H·W, in)
  kDenseToReshapeBias,  // (D·H·W·C) -> (C·D·H·W)
  kFlattenToDense,      // (D·H·W·C, 1) fed by a channels_last Flatten -> (1, C·D·H·W)
};

struct Mapping {
  std::string keras;  // key in ReadKerasWeights' map
  Shape keras_shape;
  Conversion conversion;
};

// The volume (D, H, W, C) that Reshape / Flatten reorders: generator dense_1 output, D trunk end.
constexpr int64_t kGenReshape[4] = {7, 7, 8, 8};
constexpr int64_t kDiscFlatten[4] = {11, 11, 11, 8};

Shape OurShape(const Mapping& m) {
  const Shape& k = m.keras_shape;
  switch (m.conversion) {
    case Conversion::kConvKernel:
      return {k[4], k[3], k[0], k[1], k[2]};
    case Conversion::kDenseToReshape:
      return {k[1], k[0]};
    case Conversion::kFlattenToDense:
      return {k[1], k[0]};
    default:
      return k;
  }
}

// For every channels-first index j' over (C,D,H,W), the channels-last index j over (D,H,W,C).
std::vector<int64_t> ChannelsLastIndexOf(const int64_t dhwc[4]) {
  const int64_t nd = dhwc[0], nh = dhwc[1], nw = dhwc[2], nc = dhwc[3];
  std::vector<int64_t> idx;
  idx.reserve(nc * nd * nh * nw);
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t d = 0; d < nd; ++d)
      for (int64_t h = 0; h < nh; ++h)
        for (int64_t w = 0; w < nw; ++w) idx.push_back(((d * nh + h) * nw + w) * nc + c);
  return idx;
}

std::vector<float> Convert(const Mapping& m, const KerasTensor& t) {
  const std::vector<float>& src = t.data;
  std::vector<float> dst(src.size());
  const Shape& k = m.keras_shape;
  switch (m.conversion) {
    case Conversion::kDirect:
      return src;
    case Conversion::kConvKernel: {
      const int64_t spatial = k[0] * k[1] * k[2], in = k[3], out = k[4];
      for (int64_t s = 0; s < spatial; ++s)
        for (int64_t i = 0; i < in; ++i)
          for (int64_t o = 0; o < out; ++o)
            dst[(o * in + i) * spatial + s] = src[(s * in + i) * out + o];
      return dst;
    }
    case Conversion::kDenseToReshape: {
      const int64_t in = k[0], out = k[1];
      const auto j_of = ChannelsLastIndexOf(kGenReshape);
      for (int64_t jp = 0; jp < out; ++jp)
        for (int64_t i = 0; i < in; ++i) dst[jp * in + i] = src[i * out + j_of[jp]];
      return dst;
    }
    case Conversion::kDenseToReshapeBias: {
      const auto j_of = ChannelsLastIndexOf(kGenReshape);
      for (size_t jp = 0; jp < dst.size(); ++jp) dst[jp] = src[j_of[jp]];
      return dst;
    }
    case Conversion::kFlattenToDense: {
      const auto k_of = ChannelsLastIndexOf(kDiscFlatten);
      for (size_t kp = 0; kp < dst.size(); ++kp) dst[kp] = src[k_of[kp]];
      return dst;
    }
  }
  return dst;
}

void AddBn(std::vector<Mapping>& m, const std::string& layer, int64_t features) {
  for (const char* t : {"gamma", "beta", "moving_mean", "moving_variance"}) {
    m.push_back({absl::StrCat(layer, "/", t), {features}, Conversion::kDirect});
  }
}

void AddConv(std::vector<Mapping>& m, const std::string& layer, Shape kernel, bool bias = true) {
  const int64_t out = kernel[4];
  m.push_back({layer + "/kernel", std::move(kernel), Conversion::kConvKernel});
  if (bias) m.push_back({layer + "/bias", {out}, Conversion::kDirect});
}

// The original-filters, BN-per-channel generator as CERN saved it (architecture.md, Keras column).
std::vector<Mapping> GeneratorMappings() {
  std::vector<Mapping> m = {{"dense_1/kernel", {200, 3136}, Conversion::kDenseToReshape},
                            {"dense_1/bias", {3136}, Conversion::kDenseToReshapeBias}};
  AddConv(m, "conv3d_1", {6, 6, 8, 8, 64});
  AddBn(m, "batch_normalization_1", 64);
  AddConv(m, "conv3d_2", {6, 5, 8, 64, 6});
  AddBn(m, "batch_normalization_2", 6);
  AddConv(m, "conv3d_3", {3, 3, 8, 6, 6});
  AddConv(m, "conv3d_4", {2, 2, 2, 6, 1}, /*bias=*/false);
  return m;
}

std::vector<Mapping> DiscriminatorMappings() {
  std::vector<Mapping> m;
  AddConv(m, "conv3d_5", {5, 5, 5, 1, 32});
  AddConv(m, "conv3d_6", {5, 5, 5, 32, 8});
  AddBn(m, "batch_normalization_3", 8);
  AddConv(m, "conv3d_7", {5, 5, 5, 8, 8});
  AddBn(m, "batch_normalization_4", 8);
  AddConv(m, "conv3d_8", {5, 5, 5, 8, 8});
  AddBn(m, "batch_normalization_5", 8);
  for (const char* head : {"generation", "auxiliary"}) {
    m.push_back({absl::StrCat(head, "/kernel"), {10648, 1}, Conversion::kFlattenToDense});
    m.push_back({absl::StrCat(head, "/bias"), {1}, Conversion::kDirect});
  }
  return m;
}

// Checks that the "<model>/" entries of `arena` are exactly the ones `mappings` produce, so a
// model of another variant is rejected before anything is written.
absl::Status CheckArenaVariant(const nn::ParamArena& arena, const std::string& model,
                               const std::vector<Mapping>& mappings) {
  const std::string prefix = model + "/";
  const std::string variant =
      absl::StrCat("CERN's Keras weights need the original-filters, BN-per-channel ", model);
  std::map<std::string, Shape> expected;
  for (const auto& m : mappings) expected[prefix + m.keras] = OurShape(m);
  std::set<std::string> seen;
  for (const auto& e : arena.entries()) {
    if (e.name.rfind(prefix, 0) != 0) continue;
    auto it = expected.find(e.name);
    if (it == expected.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat(variant, ", but the model has tensor '", e.name, "' that it does not have"));
    }
    if (Shape(e.spec.shape.begin(), e.spec.shape.end()) != it->second) {
      return absl::FailedPreconditionError(
          absl::StrCat(variant, ": model tensor '", e.name, "' has shape ", ShapeStr(e.spec.shape),
                       ", expected ", ShapeStr(it->second), " (another filters/BN-axis variant?)"));
    }
    seen.insert(e.name);
  }
  for (const auto& [name, shape] : expected) {
    if (!seen.count(name)) {
      return absl::FailedPreconditionError(
          absl::StrCat(variant, ", but the model has no tensor '", name, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status Import(const std::string& path, nn::ParamArena& arena, const std::string& model,
                    const std::vector<Mapping>& mappings, const std::string& other_model_key) {
  CASCADE_RETURN_IF_ERROR(CheckArenaVariant(arena, model, mappings));
  CASCADE_ASSIGN_OR_RETURN(auto weights, ReadKerasWeights(path));
  const std::string hint =
      weights.count(other_model_key)
          ? absl::StrCat(" (the file looks like a ",
                         model == "generator" ? "discriminator" : "generator", " weights file)")
          : "";
  // Convert everything first: on any error the arena is left untouched.
  std::vector<std::pair<std::string, std::vector<float>>> converted;
  for (const auto& m : mappings) {
    auto it = weights.find(m.keras);
    if (it == weights.end()) {
      return absl::NotFoundError(
          absl::StrCat("Keras weights file '", path, "': tensor '", m.keras, "' is missing", hint));
    }
    if (it->second.shape != m.keras_shape) {
      return absl::InvalidArgumentError(
          absl::StrCat("Keras weights file '", path, "': tensor '", m.keras, "' has shape ",
                       ShapeStr(it->second.shape), ", expected ", ShapeStr(m.keras_shape), hint));
    }
    converted.emplace_back(absl::StrCat(model, "/", m.keras), Convert(m, it->second));
  }
  for (auto& [name, data] : converted) {
    CASCADE_ASSIGN_OR_RETURN(std::span<float> dst, arena.Find(name));
    std::copy(data.begin(), data.end(), dst.begin());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, KerasTensor>> ReadKerasWeights(const std::string& path) {
  const std::string where = absl::StrCat("Keras weights file '", path, "'");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(where, ": no such file"));
  }
  std::string current = "root attribute 'layer_names'";
  try {
    H5::Exception::dontPrint();
    if (!H5::H5File::isHdf5(path)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an HDF5 file"));
    }
    H5::H5File file(path, H5F_ACC_RDONLY);
    if (!file.attrExists("layer_names")) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": no root attribute 'layer_names' (not a Keras save_weights file)"));
    }
    std::map<std::string, KerasTensor> out;
    for (const std::string& layer : ReadStringArrayAttr(file, "layer_names")) {
      current = absl::StrCat("layer group '", layer, "'");
      H5::Group group = file.openGroup(layer);
      if (!group.attrExists("weight_names")) continue;
      for (const std::string& weight : ReadStringArrayAttr(group, "weight_names")) {
        current = absl::StrCat("dataset '", layer, "/", weight, "'");
        std::string key = weight;
        if (const auto colon = key.rfind(':'); colon != std::string::npos) key.resize(colon);
        if (out.count(key)) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": weight '", key, "' appears twice (", current, ")"));
        }
        out.emplace(std::move(key), ReadFloatDataset(file, layer + "/" + weight));
      }
    }
    return out;
  } catch (const H5::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": cannot read ", current, ": ",
                                                   e.getFuncName(), ": ", e.getDetailMsg(),
                                                   " (truncated or corrupt file?)"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", current, ": ", e.what()));
  }
}

absl::Status ImportKerasGenerator(const std::string& path, nn::ParamArena& arena) {
  return Import(path, arena, "generator", GeneratorMappings(), "conv3d_5/kernel");
}

absl::Status ImportKerasDiscriminator(const std::string& path, nn::ParamArena& arena) {
  return Import(path, arena, "discriminator", DiscriminatorMappings(), "dense_1/kernel");
}

}  // namespace cascade::gan
