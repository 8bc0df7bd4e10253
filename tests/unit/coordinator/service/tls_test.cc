// The coordinator over TLS: a self-signed certificate made at test time with the openssl binary;
// a client that trusts it gets through, a plain-TCP client does not.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/service/service_fixture.h"

namespace cascade::coordinator::testing {
namespace {

class TlsTest : public ServiceFixture {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "openssl binary not found; cannot make a test certificate";
    }
    dir_ =
        std::filesystem::temp_directory_path() / ("cascade-tls-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        key_ + " -out " + cert_ + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    server_options_.tls = {cert_, key_};
    StartServer();
  }
  void TearDown() override {
    ServiceFixture::TearDown();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  grpc::Status ListScans(const rpc::ClientOptions& options) {
    auto channel = rpc::MakeChannel(options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    auto stub = v1::UserService::NewStub(*channel);
    grpc::ClientContext context;
    rpc::PrepareContext(context, kUserToken, std::chrono::seconds(10));
    v1::ListScansResponse response;
    return stub->ListScans(&context, {}, &response);
  }

  std::filesystem::path dir_;
  std::string cert_, key_;
};

TEST_F(TlsTest, ClientTrustingTheCertGetsThrough) {
  grpc::Status by_ip = ListScans(Options("", cert_));
  EXPECT_TRUE(by_ip.ok()) << by_ip.error_message();
  grpc::Status by_name = ListScans(Options("localhost", cert_));
  EXPECT_TRUE(by_name.ok()) << by_name.error_message();
}

TEST_F(TlsTest, PlainClientIsRefused) {
  grpc::Status plain = ListScans(Options("", ""));
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace cascade::coordinator::testing
