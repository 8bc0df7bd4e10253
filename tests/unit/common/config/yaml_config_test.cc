#include "common/config/yaml_config.h"

#include <unistd.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cascade::config {
namespace {

using ::testing::HasSubstr;

struct Flags {
  std::string listen = "0.0.0.0:7070";
  int metrics_port = 0;
  std::vector<std::string> data;
  bool json = false;
};

void Register(CLI::App& app, Flags& f) {
  app.add_option("--listen", f.listen)->capture_default_str();
  app.add_option("--metrics-port", f.metrics_port)->capture_default_str();
  app.add_option("--data", f.data);
  app.add_flag("--log-json", f.json);
  AddYamlConfigFlag(app);
}

std::string WriteConfig(const std::string& text) {
  // Per test and process: ctest runs the cases in parallel processes sharing TempDir().
  const std::string path = ::testing::TempDir() + "/cascade-config-" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                           std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

int Parse(CLI::App& app, std::vector<std::string> args, std::string* error = nullptr) {
  std::reverse(args.begin(), args.end());  // CLI11's vector form takes args in reverse
  try {
    app.parse(args);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (error) *error = e.what();
    return e.get_exit_code();
  }
}

TEST(YamlConfigTest, KeysAreFlagNamesAndCommandLineWins) {
  const std::string path = WriteConfig(
      "listen: 127.0.0.1:9000\nmetrics_port: 9100\ndata: [a.h5, b.h5]\nlog-json: true\n");
  CLI::App app;
  Flags f;
  Register(app, f);
  ASSERT_EQ(Parse(app, {"--config", path, "--metrics-port", "9200"}), 0);
  EXPECT_EQ(f.listen, "127.0.0.1:9000");
  EXPECT_EQ(f.metrics_port, 9200);
  EXPECT_EQ(f.data, (std::vector<std::string>{"a.h5", "b.h5"}));
  EXPECT_TRUE(f.json);
}

TEST(YamlConfigTest, UnknownKeyAndBadYamlAreErrors) {
  std::string error;
  {
    CLI::App app;
    Flags f;
    Register(app, f);
    EXPECT_NE(Parse(app, {"--config", WriteConfig("listn: x\n")}, &error), 0);
    EXPECT_THAT(error, HasSubstr("listn"));
  }
  {
    CLI::App app;
    Flags f;
    Register(app, f);
    EXPECT_NE(Parse(app, {"--config", WriteConfig("listen: [unclosed\n")}, &error), 0);
    EXPECT_THAT(error, HasSubstr("YAML"));
  }
  {
    CLI::App app;
    Flags f;
    Register(app, f);
    EXPECT_NE(Parse(app, {"--config", WriteConfig("metrics_port: lots\n")}, &error), 0);
    EXPECT_THAT(error, HasSubstr("metrics"));
  }
  {
    CLI::App app;
    Flags f;
    Register(app, f);
    EXPECT_NE(Parse(app, {"--config", "/nonexistent/cascade.yaml"}, &error), 0);
    EXPECT_THAT(error, HasSubstr("/nonexistent/cascade.yaml"));
  }
}

TEST(YamlConfigTest, PrintedConfigReadsBack) {
  CLI::App app;
  Flags f;
  Register(app, f);
  ASSERT_EQ(Parse(app, {"--listen", "10.0.0.1:1", "--data", "x.h5", "--data", "y.h5"}), 0);
  const std::string text = app.config_to_str(/*default_also=*/true, /*write_description=*/false);
  CLI::App again;
  Flags g;
  Register(again, g);
  ASSERT_EQ(Parse(again, {"--config", WriteConfig(text)}), 0) << text;
  EXPECT_EQ(g.listen, "10.0.0.1:1");
  EXPECT_EQ(g.data, f.data);
  EXPECT_EQ(g.metrics_port, 0);
}

}  // namespace
}  // namespace cascade::config
