// The wire contract compiles, round-trips, and declares the RPCs (and stream shapes) clients
// rely on. A submitted spec survives the wire byte for byte and still parses.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cascade/v1/rendezvous_service.grpc.pb.h"
#include "cascade/v1/user_service.grpc.pb.h"
#include "cascade/v1/worker_service.grpc.pb.h"
#include "common/scan/spec_parser.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/source_dir.h"

namespace cascade {
namespace {

std::string ReadExampleSpec() {
  const char* dir = cascade::testing::SourceDir();
  std::ifstream in(std::string(dir ? dir : ".") + "/deploy/examples/scan.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ProtoContractTest, SubmitScanRequestRoundTrips) {
  v1::SubmitScanRequest request;
  request.set_spec_yaml(ReadExampleSpec());
  request.set_validate_only(true);
  request.set_request_id("cli-7f3a");
  ASSERT_FALSE(request.spec_yaml().empty());

  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  v1::SubmitScanRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(wire));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(request, decoded));
  EXPECT_EQ(decoded.spec_yaml(), request.spec_yaml());

  absl::StatusOr<scan::ScanSpec> spec = scan::ParseScanSpec(decoded.spec_yaml());
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "3dgan-lr-batch-asha");
}

TEST(ProtoContractTest, AssignmentCarriesTypedHparams) {
  v1::CoordinatorMessage message;
  v1::Assignment* a = message.mutable_assignment();
  a->set_trial_id("t-000001");
  a->set_generation(3);
  a->set_rank(1);
  a->set_world_size(2);
  (*a->mutable_hparams())["lr"].set_double_value(1e-3);
  (*a->mutable_hparams())["batch_per_worker"].set_int_value(64);
  (*a->mutable_hparams())["opt"].set_string_value("rmsprop");
  a->mutable_data()->mutable_simulate()->set_events(100);
  a->mutable_model()->set_filters(v1::MODEL_FILTERS_MULTIPLE_OF_16);
  a->set_rendezvous_prefix("trial/t-000001/gen/3");

  v1::CoordinatorMessage decoded;
  ASSERT_TRUE(decoded.ParseFromString(message.SerializeAsString()));
  ASSERT_EQ(decoded.kind_case(), v1::CoordinatorMessage::kAssignment);
  const auto& hp = decoded.assignment().hparams();
  EXPECT_EQ(hp.at("lr").kind_case(), v1::HparamValue::kDoubleValue);
  EXPECT_DOUBLE_EQ(hp.at("lr").double_value(), 1e-3);
  EXPECT_EQ(hp.at("batch_per_worker").int_value(), 64);
  EXPECT_EQ(hp.at("opt").string_value(), "rmsprop");
  EXPECT_EQ(decoded.assignment().model().filters(), v1::MODEL_FILTERS_MULTIPLE_OF_16);
}

const google::protobuf::MethodDescriptor* Method(const char* service, const char* method) {
  const auto* s = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  return s ? s->FindMethodByName(method) : nullptr;
}

TEST(ProtoContractTest, ServicesDeclareEveryRpcWithItsStreamShape) {
  for (const char* rpc : {"SubmitScan", "ListScans", "GetScan", "WatchScan", "CancelScan",
                          "PauseScan", "ResumeScan", "ListWorkers", "GetTrial", "ListMetrics"}) {
    EXPECT_NE(Method("cascade.v1.UserService", rpc), nullptr) << rpc;
  }
  const auto* watch = Method("cascade.v1.UserService", "WatchScan");
  ASSERT_NE(watch, nullptr);
  EXPECT_TRUE(watch->server_streaming());
  EXPECT_FALSE(watch->client_streaming());
  const auto* session = Method("cascade.v1.WorkerService", "Session");
  ASSERT_NE(session, nullptr);
  EXPECT_TRUE(session->server_streaming() && session->client_streaming());
  EXPECT_NE(Method("cascade.v1.WorkerService", "Register"), nullptr);
  for (const char* rpc : {"Set", "Get", "Wait"}) {
    EXPECT_NE(Method("cascade.v1.RendezvousService", rpc), nullptr) << rpc;
  }
  EXPECT_STREQ(v1::UserService::service_full_name(), "cascade.v1.UserService");
}

}  // namespace
}  // namespace cascade
