#!/usr/bin/env python3
"""Projects data-parallel efficiency to many nodes from measured per-step compute (docs/scaling.md).

E(p) = T_compute / (T_compute + T_comm(p)): allreduces are blocking and not overlapped with
compute, per-worker batch fixed (weak scaling). Ring allreduce of S bytes over p ranks with
per-hop bandwidth B and per-message latency a:  T = 2(p-1)/p * S/B + 2(p-1)*a  (Thakur et al.).
A step has 5 allreduces: D 0.294 MB twice, G 3.491 MB twice, BN statistics 720 B.
"""
import argparse

SIZES_MB = [0.294, 0.294, 3.491, 3.491, 0.00072]  # d_real, d_fake, g_1, g_2, bn_stats (trace)


def comm_seconds(p, bw_bytes_s, latency_s, hierarchical=False, workers_per_node=4, local_bw=1e9):
    if p == 1:
        return 0.0
    t = 0.0
    for s_mb in SIZES_MB:
        s = s_mb * 1e6
        if not hierarchical:
            # flat ring over all p ranks: the slowest hop (NIC or same-node loopback) sets the pace
            hop = min(bw_bytes_s, local_bw) if workers_per_node > 1 else bw_bytes_s
            t += 2 * (p - 1) / p * s / hop + 2 * (p - 1) * latency_s
        else:
            # reduce inside the node, ring across nodes, broadcast inside the node
            n = p // workers_per_node
            local = 2 * (workers_per_node - 1) / workers_per_node * s / local_bw \
                + 2 * (workers_per_node - 1) * latency_s
            t += local + (2 * (n - 1) / n * s / bw_bytes_s + 2 * (n - 1) * latency_s if n > 1 else 0)
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compute", type=float, required=True, help="measured compute s/step/worker")
    ap.add_argument("--nodes", type=int, default=128)
    ap.add_argument("--workers-per-node", type=int, default=4)
    ap.add_argument("--latency-us", type=float, default=20.0)
    ap.add_argument("--link-efficiency", type=float, default=0.6, help="achieved / line rate")
    ap.add_argument("--local-gbs", type=float, default=1.0, help="same-node hop GB/s (loopback)")
    a = ap.parse_args()
    p = a.nodes * a.workers_per_node
    print(f"p = {p} workers ({a.nodes} nodes x {a.workers_per_node}), compute {a.compute:.3f} s/step,"
          f" latency {a.latency_us:.0f} us/hop, links at {a.link_efficiency:.0%} of line rate,"
          f" same-node hop {a.local_gbs} GB/s")
    print(f"{'link':>8} {'ring':>12} {'comm ms':>8} {'eff':>6}")
    for gbit in (10, 25, 100):
        bw = gbit / 8 * 1e9 * a.link_efficiency
        for hier in (False, True):
            t = comm_seconds(p, bw, a.latency_us * 1e-6, hier, a.workers_per_node, a.local_gbs * 1e9)
            eff = a.compute / (a.compute + t)
            print(f"{gbit:>5}G/s {'hierarchical' if hier else 'flat':>12} {t * 1e3:8.1f} {eff:6.1%}")


if __name__ == "__main__":
    main()
