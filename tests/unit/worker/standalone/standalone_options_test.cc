// Launch resolution: flags win over Slurm's environment, which wins over single-node defaults;
// every bad value is an InvalidArgument naming the flag or variable.
#include "worker/standalone/standalone_options.h"

#include <gtest/gtest.h>

#include <map>

#include "worker/standalone/exit_codes.h"

namespace cascade::worker {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(ResolveLaunchTest, SlurmEnvironmentFillsRankWorldJobAndThreads) {
  StandaloneOptions o;
  o.rendezvous = "file:/tmp";
  ASSERT_TRUE(ResolveLaunch(o, Env({{"SLURM_PROCID", "3"},
                                    {"SLURM_NTASKS", "8"},
                                    {"SLURM_JOB_ID", "4711"},
                                    {"SLURM_STEP_ID", "0"},
                                    {"SLURM_CPUS_PER_TASK", "2"},
                                    {"SLURM_NNODES", "1"}}))
                  .ok());
  EXPECT_EQ(o.rank, 3);
  EXPECT_EQ(o.world, 8);
  EXPECT_EQ(o.job, "4711.0");
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.hostname, "127.0.0.1");
  EXPECT_EQ(StorePrefix(o), "standalone/4711.0/gen/0");
}

TEST(ResolveLaunchTest, FlagsOverrideTheEnvironment) {
  StandaloneOptions o;
  o.rank = 1;
  o.world = 2;
  o.job = "mine";
  o.threads = 1;
  o.iface = "eth1";
  o.rendezvous = "file:/tmp";
  ASSERT_TRUE(ResolveLaunch(o, Env({{"SLURM_PROCID", "3"},
                                    {"SLURM_NTASKS", "8"},
                                    {"SLURM_JOB_ID", "4711"},
                                    {"SLURM_CPUS_PER_TASK", "4"},
                                    {"SLURM_NNODES", "2"}}))
                  .ok());
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.world, 2);
  EXPECT_EQ(o.job, "mine");
  EXPECT_EQ(o.threads, 1);
  EXPECT_TRUE(o.hostname.empty());  // the interface decides the address
}

TEST(ResolveLaunchTest, ManyNodesBindTheNodeNameNotLoopback) {
  StandaloneOptions o;
  o.rendezvous = "file:/tmp";
  ASSERT_TRUE(
      ResolveLaunch(o, Env({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}, {"SLURM_NNODES", "2"}}))
          .ok());
  EXPECT_NE(o.hostname, "127.0.0.1");
  EXPECT_FALSE(o.hostname.empty());
}

TEST(ResolveLaunchTest, LoneProcessNeedsNoFlags) {
  StandaloneOptions o;
  ASSERT_TRUE(ResolveLaunch(o, Env({})).ok());
  EXPECT_EQ(o.rank, 0);
  EXPECT_EQ(o.world, 1);
  EXPECT_EQ(o.job, "local");
}

TEST(ResolveLaunchTest, BadValuesNameTheFlagOrVariable) {
  auto error = [](StandaloneOptions o, std::map<std::string, std::string> env) {
    absl::Status st = ResolveLaunch(o, Env(std::move(env)));
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    return std::string(st.message());
  };
  StandaloneOptions group;
  group.rendezvous = "file:/tmp";
  EXPECT_NE(error(group, {{"SLURM_PROCID", "x"}}).find("SLURM_PROCID='x'"), std::string::npos);
  EXPECT_NE(error(group, {{"SLURM_PROCID", "2"}}).find("--rank/--world"), std::string::npos);
  StandaloneOptions high = group;
  high.rank = 2;
  high.world = 2;
  EXPECT_NE(error(high, {}).find("--rank 2"), std::string::npos);
  StandaloneOptions no_store;
  no_store.rank = 0;
  no_store.world = 2;
  EXPECT_NE(error(no_store, {}).find("--rendezvous"), std::string::npos);
}

TEST(ExitCodeTest, GroupFailuresAreUnavailableBadDataIsBadInput) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("lost peer rank 1")), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("no data")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("non-finite loss")), kExitFailure);
}

}  // namespace
}  // namespace cascade::worker
