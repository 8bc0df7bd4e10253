// AgentOptions: what `cascade-worker --coordinator` is told on its command line (docs/worker.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/rpc/channel.h"
#include "worker/collective/gloo_collective.h"

namespace cascade::worker {

struct AgentOptions {
  rpc::ClientOptions coordinator;  // address, bearer token (role worker), optional TLS CA
  std::string data_cache;          // simulated datasets; "" = $TMPDIR/cascade-data
  int threads = 0;                 // OpenMP threads of training; 0 = OpenMP's default
  std::string hostname;            // address the Gloo TCP device binds; "" = gethostname()
  std::string iface;               // interface the Gloo device binds (wins over hostname)
  double timeout_seconds = 60;     // group timeout: rendezvous and every collective
  collective::GlooOptions::Algorithm algorithm = collective::GlooOptions::Algorithm::kRankOrdered;
  std::chrono::milliseconds rpc_timeout{10000};  // deadline of Register
  std::chrono::milliseconds max_backoff{5000};   // reconnect backoff cap (exponential from 100 ms)
  size_t max_buffered = 1024;  // validation/checkpoint/finished/failure messages kept offline
};

}  // namespace cascade::worker
