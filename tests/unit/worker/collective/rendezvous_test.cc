#include "worker/collective/rendezvous.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cascade::collective {
namespace {

TEST(OpenRendezvousStore, FileStoreOnExistingDirectoryRoundTripsKeys) {
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "cascade-rdzv-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
  auto store = OpenRendezvousStore("file:" + dir_template);
  ASSERT_TRUE(store.ok()) << store.status();
  (*store)->set("k", std::vector<char>{'v', '1'});
  EXPECT_EQ((*store)->get("k"), (std::vector<char>{'v', '1'}));
  std::filesystem::remove_all(dir_template);
}

TEST(OpenRendezvousStore, RejectsUnknownSchemeAndMissingDirectory) {
  auto redis = OpenRendezvousStore("redis:localhost:6379");
  EXPECT_EQ(redis.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(redis.status().message().find("redis:localhost:6379"), absl::string_view::npos);
  auto missing = OpenRendezvousStore("file:/nonexistent/cascade/rdzv");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("/nonexistent/cascade/rdzv"), absl::string_view::npos);
  EXPECT_EQ(OpenRendezvousStore("file:").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cascade::collective
