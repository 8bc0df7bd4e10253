// The Prometheus endpoint: the exposition text of known stats, and /metrics + /healthz over HTTP
// on a running coordinator.
#include "coordinator/service/metrics_endpoint.h"

#include <httplib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/coordinator/service/service_fixture.h"

namespace cascade::coordinator::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsRenderTest, GaugesCountersHistogramAndCpu) {
  CoordinatorStats stats;
  stats.workers_by_state = {{"idle", 3}, {"busy", 2}};
  stats.trials_by_state = {{"running", 1}};
  stats.steps_total = 40;
  stats.heartbeats_total = 1234;
  RpcMetrics rpc({"UserService/GetScan"});
  rpc.Record("UserService/GetScan", 0.0002);  // bucket le=0.00025
  rpc.Record("UserService/GetScan", 0.003);   // bucket le=0.005
  rpc.Record("UserService/Unknown", 1.0);     // ignored
  const std::string text = MetricsEndpoint::Render(stats, rpc, 1.5);
  EXPECT_THAT(text, HasSubstr("# TYPE cascade_workers gauge\n"));
  EXPECT_THAT(text, HasSubstr("cascade_workers{state=\"idle\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("cascade_workers{state=\"busy\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("cascade_workers{state=\"lost\"} 0\n"));  // every state, also 0
  EXPECT_THAT(text, HasSubstr("cascade_trials{state=\"running\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cascade_trials{state=\"pending\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("cascade_steps_total 40\n"));
  EXPECT_THAT(text, HasSubstr("cascade_heartbeats_total 1234\n"));
  EXPECT_THAT(text, HasSubstr("cascade_rpc_duration_seconds_bucket{method=\"UserService/GetScan\","
                              "le=\"0.0001\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("cascade_rpc_duration_seconds_bucket{method=\"UserService/GetScan\","
                              "le=\"0.00025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cascade_rpc_duration_seconds_bucket{method=\"UserService/GetScan\","
                              "le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("cascade_rpc_duration_seconds_bucket{method=\"UserService/GetScan\","
                              "le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("cascade_rpc_duration_seconds_count{method=\"UserService/GetScan\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("Unknown")));
  EXPECT_THAT(text, HasSubstr("process_cpu_seconds_total 1.5"));
}

TEST(MetricsRenderTest, ProcessCpuSecondsGrows) {
  const double before = ProcessCpuSeconds();
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i * 1e-9;
  EXPECT_GT(ProcessCpuSeconds(), before);
}

class MetricsEndpointTest : public ServiceFixture {};

TEST_F(MetricsEndpointTest, ServesMetricsAndHealth) {
  StartServer();
  v1::RegisterResponse registered;
  ASSERT_TRUE(Register(kWorkerToken, &registered).ok());
  {  // one session with one heartbeat, ended by the worker
    grpc::ClientContext context;
    Prepare(context, kWorkerToken);
    auto stream = worker_->Session(&context);
    v1::WorkerMessage message;
    message.mutable_hello()->set_worker_id(registered.worker_id());
    ASSERT_TRUE(stream->Write(message));
    message.mutable_heartbeat()->set_step(0);
    ASSERT_TRUE(stream->Write(message));
    stream->WritesDone();
    v1::CoordinatorMessage reply;
    while (stream->Read(&reply)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }
  auto endpoint = MetricsEndpoint::Start("127.0.0.1", 0, coordinator_.get(), server_->metrics());
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  httplib::Client client("127.0.0.1", (*endpoint)->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(metrics->body, HasSubstr("cascade_workers{state=\"idle\"}"));
  EXPECT_THAT(metrics->body, HasSubstr("cascade_trials{state=\"running\"}"));
  EXPECT_THAT(metrics->body, HasSubstr("cascade_heartbeats_total "));
  EXPECT_THAT(
      metrics->body,
      HasSubstr("cascade_rpc_duration_seconds_count{method=\"WorkerService/Register\"} 1\n"));
  EXPECT_THAT(metrics->body, HasSubstr("cascade_rpc_duration_seconds_count{method=\"WorkerService/"
                                       "Session.heartbeat\"} 1\n"));
  EXPECT_THAT(metrics->body, HasSubstr("cascade_heartbeats_total 1\n"));
  EXPECT_THAT(metrics->body, HasSubstr("process_cpu_seconds_total "));
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
}

TEST_F(MetricsEndpointTest, PortInUseIsUnavailable) {
  StartServer();
  auto first = MetricsEndpoint::Start("127.0.0.1", 0, coordinator_.get(), server_->metrics());
  ASSERT_TRUE(first.ok()) << first.status();
  auto second =
      MetricsEndpoint::Start("127.0.0.1", (*first)->port(), coordinator_.get(), server_->metrics());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cascade::coordinator::testing
