// GrpcStore against an in-process RendezvousServiceImpl: two ranks form a Gloo group through the
// coordinator's store and allreduce; store failures surface as gloo::IoException / Unavailable.
#include "worker/collective/grpc_store.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/rpc/token_registry.h"
#include "coordinator/rendezvous/rendezvous_service.h"
#include "gloo/common/error.h"
#include "worker/collective/gloo_collective.h"

namespace cascade::collective {
namespace {

constexpr char kToken[] = "worker-secret";
constexpr char kPrefix[] = "trial/t1/gen/3";

class GrpcStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_ = std::make_unique<rpc::Authenticator>(rpc::TokenRegistry(
        {{.name = "pool", .role = rpc::Role::kWorker, .sha256_hex = rpc::HashToken(kToken)}}));
    service_ = std::make_unique<coordinator::RendezvousServiceImpl>(
        *auth_, [](const std::string& id) -> std::optional<std::string> {
          if (id == "w-0" || id == "w-1") return std::string(kPrefix);
          return std::nullopt;
        });
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  GrpcStore Store(const std::string& worker, std::chrono::milliseconds timeout) {
    return GrpcStore(channel_, {.token = kToken, .worker_id = worker, .timeout = timeout});
  }

  std::unique_ptr<rpc::Authenticator> auth_;
  std::unique_ptr<coordinator::RendezvousServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GrpcStoreTest, TwoRanksFormAGlooGroupAndAllreduce) {
  std::vector<std::vector<float>> results(2);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.emplace_back([&, rank] {
      GrpcStore store = Store("w-" + std::to_string(rank), std::chrono::seconds(20));
      GlooOptions options;
      options.rank = rank;
      options.world = 2;
      options.timeout = std::chrono::seconds(20);
      options.prefix = kPrefix;
      auto group = ConnectGloo(store, options);
      ASSERT_TRUE(group.ok()) << group.status();
      std::vector<float> data = {1.f + rank, 10.f * (rank + 1), -3.f};
      ASSERT_TRUE((*group)->AllreduceSum(data).ok());
      ASSERT_TRUE((*group)->Barrier().ok());
      results[rank] = data;
    });
  }
  for (auto& t : ranks) t.join();
  const std::vector<float> expected = {3.f, 30.f, -6.f};
  EXPECT_EQ(results[0], expected);
  EXPECT_EQ(results[1], expected);
  EXPECT_GT(service_->store().size(), 0u);
  service_->store().DropPrefix(kPrefix);
  EXPECT_EQ(service_->store().size(), 0u);
}

TEST_F(GrpcStoreTest, SetAndGetRoundTripBytes) {
  GrpcStore store = Store("w-0", std::chrono::seconds(5));
  const std::vector<char> value = {'a', '\0', 'b'};
  store.set(std::string(kPrefix) + "/k", value);
  EXPECT_EQ(store.get(std::string(kPrefix) + "/k"), value);
}

TEST_F(GrpcStoreTest, FailuresThrowIoExceptionNamingTheKey) {
  GrpcStore store = Store("w-0", std::chrono::milliseconds(100));
  try {
    store.wait({std::string(kPrefix) + "/missing"});
    FAIL() << "wait did not throw";
  } catch (const gloo::IoException& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
  try {
    store.set("trial/other/gen/0/k", {'x'});
    FAIL() << "set outside the prefix did not throw";
  } catch (const gloo::IoException& e) {
    EXPECT_NE(std::string(e.what()).find("trial/other/gen/0/k"), std::string::npos) << e.what();
  }
}

TEST_F(GrpcStoreTest, AWorkerWithoutAssignmentCannotJoinAGroup) {
  GrpcStore store = Store("w-9", std::chrono::seconds(2));
  GlooOptions options;
  options.rank = 0;
  options.world = 2;
  options.timeout = std::chrono::seconds(2);
  options.prefix = kPrefix;
  auto group = ConnectGloo(store, options);
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().code(), absl::StatusCode::kUnavailable) << group.status();
}

TEST_F(GrpcStoreTest, RetriesWhileTheCoordinatorIsDown) {
  // A free port with nothing behind it yet: the kernel's choice for a socket then closed.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  const int port = ntohs(addr.sin_port);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const std::string key = std::string(kPrefix) + "/late";
  std::atomic<bool> got{false};
  std::thread coordinator([&] {
    // Comes (back) up after the first attempts failed; the key is set once it is up.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    coordinator::RendezvousServiceImpl restarted(
        *auth_, [](const std::string&) { return std::optional<std::string>(kPrefix); });
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    builder.RegisterService(&restarted);
    auto server = builder.BuildAndStart();
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(restarted.store().Set(key, "ok").ok());
    while (!got) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    server->Shutdown(std::chrono::system_clock::now());
  });
  GrpcStore store(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
                  {.token = kToken, .worker_id = "w-0", .timeout = std::chrono::seconds(60)});
  EXPECT_EQ(store.get(key), (std::vector<char>{'o', 'k'}));
  got = true;
  coordinator.join();
}

}  // namespace
}  // namespace cascade::collective
