// Connection settings resolve flag > environment > config file > default, and every failure
// names the file and the setting that pointed at it.
#include "cli/service_connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace cascade::cli {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "cascade-conn-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    env_["HOME"] = dir_.string();  // no ~/.config/cascade/config.yaml unless a test writes one
  }
  void TearDown() override { fs::remove_all(dir_); }

  EnvLookup Env() const {
    return [env = env_](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }
  std::string Write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path.string();
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConnectionTest, DefaultsWithoutAnySource) {
  auto resolved = ResolveConnection({}, Env());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->options.address, "localhost:7070");
  EXPECT_EQ(resolved->options.token, "");
  EXPECT_EQ(resolved->options.tls_ca, "");
  EXPECT_EQ(resolved->config_file, "");
  EXPECT_EQ(resolved->token_source, "");
}

TEST_F(ConnectionTest, DefaultConfigFileUnderHome) {
  Write(".config/cascade/token", "tok-from-config\n");
  const std::string config = Write(".config/cascade/config.yaml",
                                   "coordinator: head:7070\ntoken_file: token\ntls_ca: ~/ca.pem\n");
  auto resolved = ResolveConnection({}, Env());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->config_file, config);
  EXPECT_EQ(resolved->options.address, "head:7070");
  // A relative token_file is relative to the config file, `~` is $HOME.
  EXPECT_EQ(resolved->options.token, "tok-from-config");
  EXPECT_EQ(resolved->options.tls_ca, (dir_ / "ca.pem").string());
  EXPECT_THAT(resolved->token_source, HasSubstr("token_file in " + config));
}

TEST_F(ConnectionTest, FlagBeatsEnvBeatsConfig) {
  const std::string config =
      Write("site.yaml", "coordinator: from-config:1\ntls_ca: /cfg/ca.pem\n");
  env_["CASCADE_CONFIG"] = config;
  auto from_config = ResolveConnection({}, Env());
  ASSERT_TRUE(from_config.ok()) << from_config.status();
  EXPECT_EQ(from_config->options.address, "from-config:1");
  EXPECT_EQ(from_config->options.tls_ca, "/cfg/ca.pem");

  env_["CASCADE_COORDINATOR"] = "from-env:2";
  env_["CASCADE_TLS_CA"] = "/env/ca.pem";
  auto from_env = ResolveConnection({}, Env());
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->options.address, "from-env:2");
  EXPECT_EQ(from_env->options.tls_ca, "/env/ca.pem");

  ConnectionFlags flags;
  flags.coordinator = "from-flag:3";
  flags.tls_ca = "/flag/ca.pem";
  auto from_flag = ResolveConnection(flags, Env());
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->options.address, "from-flag:3");
  EXPECT_EQ(from_flag->options.tls_ca, "/flag/ca.pem");
}

TEST_F(ConnectionTest, TokenPrecedence) {
  const std::string env_file = Write("env-token", "tok-env-file");
  const std::string flag_file = Write("flag-token", "  tok-flag-file  \n");
  const std::string config_file = Write("cfg-token", "tok-config");
  env_["CASCADE_CONFIG"] = Write("c.yaml", "token_file: " + config_file + "\n");
  auto resolve = [&](ConnectionFlags flags) {
    auto r = ResolveConnection(flags, Env());
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->options.token : std::string("<error>");
  };
  EXPECT_EQ(resolve({}), "tok-config");
  env_["CASCADE_TOKEN_FILE"] = env_file;
  EXPECT_EQ(resolve({}), "tok-env-file");
  env_["CASCADE_TOKEN"] = "tok-env";
  EXPECT_EQ(resolve({}), "tok-env");
  EXPECT_EQ(resolve({.token_file = flag_file}), "tok-flag-file");
  EXPECT_EQ(resolve({.token = "tok-flag"}), "tok-flag");
}

TEST_F(ConnectionTest, MissingTokenFileNamesFileAndSetting) {
  const std::string missing = (dir_ / "no-such-token").string();
  auto from_flag = ResolveConnection({.token_file = missing}, Env());
  ASSERT_FALSE(from_flag.ok());
  EXPECT_EQ(from_flag.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(from_flag.status().message(), HasSubstr(missing));
  EXPECT_THAT(from_flag.status().message(), HasSubstr("--token-file"));

  env_["CASCADE_TOKEN_FILE"] = missing;
  auto from_env = ResolveConnection({}, Env());
  ASSERT_FALSE(from_env.ok());
  EXPECT_THAT(from_env.status().message(), HasSubstr(missing));
  EXPECT_THAT(from_env.status().message(), HasSubstr("CASCADE_TOKEN_FILE"));
}

TEST_F(ConnectionTest, TokenFileReadableByOthersIsRefused) {
  const std::string file = Write("open-token", "tok", 0644);
  auto resolved = ResolveConnection({.token_file = file}, Env());
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(resolved.status().message(), HasSubstr("chmod 600 " + file));
}

TEST_F(ConnectionTest, ExplicitConfigThatDoesNotExistIsAnError) {
  const std::string missing = (dir_ / "nope.yaml").string();
  env_["CASCADE_CONFIG"] = missing;
  auto resolved = ResolveConnection({}, Env());
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(resolved.status().message(), HasSubstr(missing));
  EXPECT_THAT(resolved.status().message(), HasSubstr("CASCADE_CONFIG"));
}

TEST_F(ConnectionTest, BadConfigFilesNameFileAndKey) {
  env_["CASCADE_CONFIG"] = Write("typo.yaml", "coordinatr: head:7070\n");
  auto typo = ResolveConnection({}, Env());
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(), HasSubstr("typo.yaml"));
  EXPECT_THAT(typo.status().message(), HasSubstr("coordinatr: unknown key"));

  // A raw token in a config file is refused: config files get shared.
  env_["CASCADE_CONFIG"] = Write("token.yaml", "token: secret\n");
  auto raw = ResolveConnection({}, Env());
  ASSERT_FALSE(raw.ok());
  EXPECT_THAT(raw.status().message(), HasSubstr("token: unknown key"));

  env_["CASCADE_CONFIG"] = Write("broken.yaml", "coordinator: [unclosed\n");
  auto broken = ResolveConnection({}, Env());
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), HasSubstr("broken.yaml"));

  env_["CASCADE_CONFIG"] = Write("list.yaml", "- a\n- b\n");
  auto list = ResolveConnection({}, Env());
  ASSERT_FALSE(list.ok());
  EXPECT_THAT(list.status().message(), HasSubstr("expected a mapping"));
}

TEST_F(ConnectionTest, EmptyConfigFileIsFine) {
  env_["CASCADE_CONFIG"] = Write("empty.yaml", "");
  auto resolved = ResolveConnection({}, Env());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->options.address, "localhost:7070");
}

}  // namespace
}  // namespace cascade::cli
