// Attributes a failed collective to the peer(s) that caused it.
#pragma once

#include <chrono>
#include <vector>

#include "gloo/context.h"
#include "gloo/rendezvous/store.h"

namespace cascade::collective {

// Called once on a rank whose collective threw. Gloo only reports the pair the blocked operation
// was waiting on, which in a ring is often a live neighbour that gave up first, or nothing at
// all after an application timeout. So:
//  1. every pair is probed; a pair broken by a transport error (closed, reset) marks a suspect,
//     while pairs this rank closed itself on timeout do not;
//  2. this rank publishes "fault/<rank>" in the group's store *before* it closes its sockets;
//  3. suspects that publish a report within `grace` are live ranks that failed first and hung
//     up on us; the rest are lost. A dead process never reports.
// Never throws; costs at most `grace` beyond the probes.
struct PeerDiagnosis {
  std::vector<int> lost;     // ranks whose connection broke and who never reported (ascending)
  std::vector<int> gave_up;  // ranks that closed on us after their own failure (ascending)
};
PeerDiagnosis DiagnosePeers(gloo::Context& context, gloo::rendezvous::Store& store,
                            std::chrono::milliseconds grace);

}  // namespace cascade::collective
