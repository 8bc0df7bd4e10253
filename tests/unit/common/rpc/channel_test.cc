#include "common/rpc/channel.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/rpc/server_credentials.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::rpc {
namespace {

using ::testing::HasSubstr;

TEST(ReadTokenFileTest, FirstLineTrimmedAndPrivateOnly) {
  const std::string path = ::testing::TempDir() + "/token-" + std::to_string(getpid());
  std::ofstream(path) << "\n  abc123  \nsecond\n";
  chmod(path.c_str(), 0600);
  absl::StatusOr<std::string> token = ReadTokenFile(path);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "abc123");

  chmod(path.c_str(), 0644);
  EXPECT_THAT(ReadTokenFile(path).status().message(), HasSubstr("chmod 600 " + path));

  std::ofstream(path) << "\n \n";
  chmod(path.c_str(), 0600);
  EXPECT_THAT(ReadTokenFile(path).status().message(), HasSubstr("empty"));
  EXPECT_EQ(ReadTokenFile(path + ".nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(MakeChannelTest, RejectsEmptyAddressAndMissingCa) {
  EXPECT_FALSE(MakeChannel({}).ok());
  ClientOptions o;
  o.address = "localhost:1";
  o.tls_ca = "/nonexistent/ca.pem";
  EXPECT_THAT(MakeChannel(o).status().message(), HasSubstr("/nonexistent/ca.pem"));
  o.tls_ca = "";
  EXPECT_TRUE(MakeChannel(o).ok());
}

TEST(ServerCredentialsTest, NeedsBothCertAndKey) {
  EXPECT_TRUE(MakeServerCredentials({}).ok());
  EXPECT_THAT(MakeServerCredentials({"cert.pem", ""}).status().message(), HasSubstr("both"));
  const std::string junk = ::testing::TempDir() + "/junk-" + std::to_string(getpid()) + ".pem";
  std::ofstream(junk) << "not pem";
  EXPECT_THAT(MakeServerCredentials({junk, junk}).status().message(), HasSubstr("not a PEM"));
}

}  // namespace
}  // namespace cascade::rpc
