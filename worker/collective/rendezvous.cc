#include "worker/collective/rendezvous.h"

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gloo/rendezvous/file_store.h"

namespace cascade::collective {

absl::StatusOr<std::unique_ptr<gloo::rendezvous::Store>> OpenRendezvousStore(
    const std::string& spec) {
  constexpr absl::string_view kFileScheme = "file:";
  if (!absl::StartsWith(spec, kFileScheme)) {
    return absl::InvalidArgumentError(absl::StrCat("--rendezvous '", spec, "': expected file:DIR"));
  }
  const std::string dir(spec.substr(kFileScheme.size()));
  std::error_code error;
  if (dir.empty() || !std::filesystem::is_directory(dir, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rendezvous '", spec, "': '", dir, "' is not an existing directory"));
  }
  try {
    return std::unique_ptr<gloo::rendezvous::Store>(
        std::make_unique<gloo::rendezvous::FileStore>(dir));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rendezvous '", spec, "': cannot open file store: ", e.what()));
  }
}

}  // namespace cascade::collective
