#include "common/nn/memory_util.h"

#include <cstring>
#include <functional>
#include <numeric>
#include <stdexcept>

namespace cascade::nn {
namespace {
using tag = dnnl::memory::format_tag;

tag PlainTag(size_t ndims) {
  switch (ndims) {
    case 1:
      return tag::a;
    case 2:
      return tag::ab;
    case 3:
      return tag::abc;
    case 4:
      return tag::abcd;
    case 5:
      return tag::abcde;
    default:
      throw std::invalid_argument("PlainTag: rank must be 1..5");
  }
}
}  // namespace

dnnl::memory::desc PlainDesc(const Dims& dims) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, PlainTag(dims.size()));
}

dnnl::memory::desc AnyDesc(const Dims& dims) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag::any);
}

dnnl::memory::desc NspcDesc(const Dims& dims) {
  if (dims.size() != 5) return PlainDesc(dims);
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag::acdeb);
}

int64_t NumElements(const Dims& dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
}

void WriteFromPlain(std::span<const float> plain, dnnl::memory& mem, dnnl::stream& stream) {
  const auto desc = mem.get_desc();
  const auto plain_desc = PlainDesc(desc.dims());
  if (desc == plain_desc) {
    std::memcpy(mem.get_data_handle(), plain.data(), plain.size_bytes());
    return;
  }
  dnnl::memory src(plain_desc, mem.get_engine(), const_cast<float*>(plain.data()));
  dnnl::reorder(src, mem).execute(stream, src, mem);
  stream.wait();
}

std::vector<float> ReadToPlain(const dnnl::memory& mem, dnnl::stream& stream) {
  const auto desc = mem.get_desc();
  std::vector<float> out(NumElements(desc.dims()));
  const auto plain_desc = PlainDesc(desc.dims());
  if (desc == plain_desc) {
    std::memcpy(out.data(), mem.get_data_handle(), out.size() * sizeof(float));
    return out;
  }
  dnnl::memory dst(plain_desc, mem.get_engine(), out.data());
  dnnl::reorder(mem, dst).execute(stream, const_cast<dnnl::memory&>(mem), dst);
  stream.wait();
  return out;
}

}  // namespace cascade::nn
