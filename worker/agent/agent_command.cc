#include "worker/agent/agent_command.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "worker/agent/worker_agent.h"
#include "worker/agent/worker_info.h"
#include "worker/standalone/exit_codes.h"

namespace cascade::worker {

int RunAgent(const AgentOptions& options) {
  // Signals are taken synchronously by one thread (sigwait), so no handler touches the agent.
  // The mask is set before gRPC or OpenMP start threads, which inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto channel = rpc::MakeChannel(options.coordinator);
  if (!channel.ok()) {
    spdlog::error("cascade-worker: {}", std::string(channel.status().message()));
    return kExitUsage;
  }
  WorkerAgent agent(options, *channel, CollectWorkerInfo(options));
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    while (true) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (done) return;
      spdlog::info("signal {}: drain", signal);
      agent.Drain();
    }
  });
  const absl::Status status = agent.Run();
  done = true;
  pthread_kill(waiter.native_handle(), SIGTERM);  // ends the sigwait: the signal stays blocked
  waiter.join();
  if (!status.ok()) {
    spdlog::error("cascade-worker: {}", std::string(status.message()));
    return ExitCodeFor(status);
  }
  return kExitOk;
}

}  // namespace cascade::worker
