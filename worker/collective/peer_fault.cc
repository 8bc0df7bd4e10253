#include "worker/collective/peer_fault.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>

#include "gloo/transport/pair.h"
#include "gloo/transport/unbound_buffer.h"

namespace cascade::collective {
namespace {

// A slot no Gloo collective uses (they build slots from small prefixes and tags).
constexpr uint64_t kProbeSlot = 0xFA17'0000'0000'0000ULL;

std::string FaultKey(int rank) { return "fault/" + std::to_string(rank); }

// True if the pair to `peer` has failed for a reason other than this rank's own timeout. A
// zero-byte send on a healthy pair only queues a notification the peer never matches; on a
// failed pair it rethrows the pair's stored exception.
bool PairLostByTransport(gloo::Context& context, int peer) {
  auto& pair = context.getPair(peer);
  if (!pair) return false;
  char byte = 0;
  auto probe = context.createUnboundBuffer(&byte, 1);
  try {
    pair->send(probe.get(), kProbeSlot, 0, 0);
    return false;
  } catch (const std::exception& e) {
    return std::string(e.what()).find("Application timeout") == std::string::npos;
  }
}

bool Reported(gloo::rendezvous::Store& store, int peer, std::chrono::milliseconds timeout) {
  try {
    store.wait({FaultKey(peer)}, timeout);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

PeerDiagnosis DiagnosePeers(gloo::Context& context, gloo::rendezvous::Store& store,
                            std::chrono::milliseconds grace) {
  std::vector<int> suspects;
  for (int peer = 0; peer < context.size; ++peer) {
    if (peer != context.rank && PairLostByTransport(context, peer)) suspects.push_back(peer);
  }
  try {
    std::string report;
    for (int peer : suspects) report += std::to_string(peer) + " ";
    store.set(FaultKey(context.rank), std::vector<char>(report.begin(), report.end()));
  } catch (const std::exception&) {
    // The report only sharpens other ranks' diagnosis; losing it must not mask our own error.
  }
  // One shared deadline: a dead peer's missing report costs `grace` once, and live peers wrote
  // theirs before closing the sockets that made them suspects, so their checks return at once.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  PeerDiagnosis diagnosis;
  for (int peer : suspects) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (Reported(store, peer, std::max(left, std::chrono::milliseconds(1)))) {
      diagnosis.gave_up.push_back(peer);
    } else {
      diagnosis.lost.push_back(peer);
    }
  }
  return diagnosis;
}

}  // namespace cascade::collective
