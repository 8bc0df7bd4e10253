#include "common/rpc/token_registry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/time/clock.h"
#include "common/rpc/authenticator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::rpc {
namespace {

using ::testing::HasSubstr;

class TokenFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  // One file per test and process: ctest runs the cases of this fixture in parallel processes.
  std::string path_ = ::testing::TempDir() + "/tokens-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                      std::to_string(getpid()) + ".yaml";
};

TEST(HashTokenTest, KnownSha256) {
  // sha256("test"), from coreutils sha256sum.
  EXPECT_EQ(HashToken("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST(GenerateTokenTest, FreshAndHex) {
  const std::string a = GenerateToken(), b = GenerateToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
}

TEST_F(TokenFileTest, LoadsAndLooksUp) {
  const std::string alice = GenerateToken(), pool = GenerateToken(), old = GenerateToken();
  Write("tokens:\n  - {name: alice, role: user, sha256: " + HashToken(alice) +
        "}\n  - {name: pool, role: worker, sha256: " + HashToken(pool) +
        ", expires: 2030-01-01T00:00:00Z}\n  - {name: old, role: admin, sha256: " + HashToken(old) +
        ", revoked: true}\n");
  absl::StatusOr<TokenRegistry> reg = TokenRegistry::LoadFile(path_);
  ASSERT_TRUE(reg.ok()) << reg.status();
  absl::StatusOr<Principal> who = reg->Lookup(alice);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->name, "alice");
  EXPECT_EQ(who->role, Role::kUser);
  EXPECT_TRUE(reg->Lookup(pool, absl::FromUnixSeconds(1800000000)).ok());
  EXPECT_THAT(reg->Lookup(pool, absl::FromUnixSeconds(1900000000)).status().message(),
              HasSubstr("expired"));
  EXPECT_THAT(reg->Lookup(old).status().message(), HasSubstr("revoked"));
  EXPECT_EQ(reg->Lookup("not-a-token").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(TokenFileTest, SaveLoadRoundTripIsPrivate) {
  TokenRegistry reg(
      {{"bob", Role::kAdmin, HashToken("x"), absl::FromUnixSeconds(1900000000), false},
       {"w", Role::kWorker, HashToken("y"), absl::InfiniteFuture(), true}});
  ASSERT_TRUE(reg.SaveFile(path_).ok());
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  absl::StatusOr<TokenRegistry> back = TokenRegistry::LoadFile(path_);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->entries().size(), 2u);
  EXPECT_EQ(back->entries()[0].expires, absl::FromUnixSeconds(1900000000));
  EXPECT_TRUE(back->entries()[1].revoked);
  EXPECT_EQ(back->entries()[1].role, Role::kWorker);
}

TEST_F(TokenFileTest, ErrorsNameFileAndField) {
  struct Case {
    std::string text, expected;
  };
  const std::string h = HashToken("t");
  const Case cases[] = {
      {"tokens: 3\n", "tokens: required"},
      {"tokens:\n  - {role: user, sha256: " + h + "}\n", "tokens[0].name: required"},
      {"tokens:\n  - {name: a, role: root, sha256: " + h + "}\n", "tokens[0].role: role \"root\""},
      {"tokens:\n  - {name: a, role: user, sha256: ABC}\n", "tokens[0].sha256: must be 64"},
      {"tokens:\n  - {name: a, role: user, sha256: " + h + ", expires: soon}\n",
       "tokens[0].expires: not an RFC 3339"},
      {"tokens:\n  - {name: a, role: user, sha256: " + h + ", colour: red}\n",
       "tokens[0].colour: unknown field"},
      {"tokens:\n  - {name: a, role: user, sha256: " + h +
           "}\n  - {name: a, role: user, sha256: " + h + "}\n",
       "tokens[1].name: duplicate"},
      {"tokens: [\n", "token file"},
  };
  for (const Case& c : cases) {
    Write(c.text);
    absl::StatusOr<TokenRegistry> reg = TokenRegistry::LoadFile(path_);
    ASSERT_FALSE(reg.ok()) << c.text;
    EXPECT_EQ(reg.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(reg.status().message(), HasSubstr(path_)) << c.text;
    EXPECT_THAT(reg.status().message(), HasSubstr(c.expected)) << c.text;
  }
  EXPECT_EQ(TokenRegistry::LoadFile(path_ + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(TokenFileTest, AuthenticatorPicksUpRevocationAndKeepsOldOnBadFile) {
  TokenRegistry({{"u", Role::kUser, HashToken("t1"), absl::InfiniteFuture(), false}})
      .SaveFile(path_)
      .IgnoreError();
  absl::StatusOr<std::unique_ptr<Authenticator>> auth = Authenticator::Create(path_);
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_TRUE((*auth)->Current()->Lookup("t1").ok());
  // The reload check runs at most once a second; a sleep past it makes the order certain.
  TokenRegistry({{"u", Role::kUser, HashToken("t1"), absl::InfiniteFuture(), true}})
      .SaveFile(path_)
      .IgnoreError();
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT((*auth)->Current()->Lookup("t1").status().message(), HasSubstr("revoked"));
  Write("tokens: [broken\n");
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT((*auth)->Current()->Lookup("t1").status().message(), HasSubstr("revoked"));
}

}  // namespace
}  // namespace cascade::rpc
