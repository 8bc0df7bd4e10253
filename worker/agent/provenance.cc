#include "worker/agent/provenance.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/version.h"
#include "dnnl.hpp"
#include "worker/collective/gloo_collective.h"

namespace cascade::worker {
namespace {

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open for hashing"));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("OpenSSL: SHA-256 unavailable");
  }
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0)
      EVP_DigestUpdate(ctx.get(), block.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error while hashing"));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace

v1::Provenance BaseProvenance(const v1::Assignment& a, const AgentOptions& options,
                              const std::string& cpu_isa) {
  v1::Provenance p;
  p.set_trial_seed(a.seed());
  const dnnl_version_t* v = dnnl_version();
  p.set_onednn_version(absl::StrCat(v->major, ".", v->minor, ".", v->patch));
  p.set_cpu_isa(cpu_isa);
  p.set_gloo_algorithm(
      a.world_size() > 1 ? std::string(collective::AlgorithmName(options.algorithm)) : "none");
  p.set_gloo_timeout_ms(static_cast<int32_t>(options.timeout_seconds * 1000));
  p.set_cascade_version(kVersion);
  p.set_model_filters(v1::ModelFilters_Name(a.model().filters()));
  return p;
}

absl::StatusOr<std::map<std::string, std::string>> HashDataFiles(
    const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path().string());
      }
      if (ec) return absl::NotFoundError(absl::StrCat(path, ": ", ec.message()));
    } else {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> hashes;
  for (const std::string& file : files) {
    auto hash = Sha256File(file);
    if (!hash.ok()) return hash.status();
    hashes[file] = *std::move(hash);
  }
  return hashes;
}

}  // namespace cascade::worker
