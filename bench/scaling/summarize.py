#!/usr/bin/env python3
"""Steady-state throughput from cascade-worker Chrome traces (bench/scaling/run.sh).

For one trace (all ranks merged): the steps after --warmup are timed from the earliest start of
the first counted step on any rank to the latest end of the last one; samples/s = steps * batch *
world / that span. Also the per-step medians of compute (step minus allreduce) and allreduce, per
sync point, which docs/scaling.md feeds into its projection.
"""
import argparse, json, statistics, sys


def analyse(path, warmup, batch):
    events = json.load(open(path))["traceEvents"]
    steps = {}  # rank -> [(ts, dur, args)]
    syncs = {}  # (rank, step index) -> allreduce seconds
    per_point = {}
    for e in events:
        if e.get("ph") != "X":
            continue
        if e["cat"] == "step":
            steps.setdefault(e["pid"], []).append(e)
        elif e["cat"] == "allreduce":
            per_point.setdefault(e["name"], []).append(e["dur"] / 1e6)
    world = len(steps)
    n = min(len(v) for v in steps.values()) - warmup
    begin = min(sorted(v, key=lambda e: e["ts"])[warmup]["ts"] for v in steps.values())
    end = max(max(e["ts"] + e["dur"] for e in v) for v in steps.values())
    counted = [e for v in steps.values() for e in sorted(v, key=lambda e: e["ts"])[warmup:]]
    step_s = statistics.median(e["dur"] / 1e6 for e in counted)
    allreduce_s = statistics.median(e["args"]["allreduce_s"] for e in counted)
    bytes_sent = statistics.median(e["args"]["bytes_sent"] for e in counted)
    return {"world": world, "steps": n, "sps": n * batch * world / ((end - begin) / 1e6),
            "step_s": step_s, "allreduce_s": allreduce_s, "compute_s": step_s - allreduce_s,
            "bytes": bytes_sent,
            "points": {k: statistics.median(v) for k, v in per_point.items()}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("traces", nargs="*")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--label", default="")
    p.add_argument("--table", help="summarise the result lines of earlier calls")
    a = p.parse_args()
    if a.table:
        rows = [json.loads(l) for l in open(a.table)]
        effs = sorted(r["efficiency"] for r in rows)
        print(f"{len(rows)} runs: efficiency min {effs[0]:.1%}  median {statistics.median(effs):.1%}"
              f"  max {effs[-1]:.1%}")
        if all("contention" in r for r in rows):
            print("compute 2w/1w: " + " ".join(f"{r['contention']:.2f}" for r in rows)
                  + ";  T1c/(T1c+allreduce2): " + " ".join(f"{r['comm_only']:.1%}" for r in rows))
        return
    one, two = (analyse(t, a.warmup, a.batch) for t in a.traces)
    eff = two["sps"] / (2 * one["sps"])
    print(f"# {a.label}", file=sys.stderr)
    print(f"#  workers  samples/s  step_s  compute_s  allreduce_s  bytes/step  per-sync allreduce s",
          file=sys.stderr)
    for r in (one, two):
        pts = " ".join(f"{k}={v:.4f}" for k, v in sorted(r["points"].items()))
        print(f"#  {r['world']:7d}  {r['sps']:9.2f}  {r['step_s']:6.3f}  {r['compute_s']:9.3f}"
              f"  {r['allreduce_s']:11.4f}  {r['bytes']:10.0f}  {pts}", file=sys.stderr)
    contention = two["compute_s"] / one["compute_s"]
    comm_only = one["compute_s"] / (one["compute_s"] + two["allreduce_s"])
    print(f"#  efficiency T2/(2*T1) = {eff:.1%};  compute/step 2w vs 1w = {contention:.2f}x"
          f" (1.00 when both workers get an idle core);  T1c/(T1c+allreduce2) = {comm_only:.1%}",
          file=sys.stderr)
    print(json.dumps({"label": a.label, "efficiency": eff, "contention": contention,
                      "comm_only": comm_only, "one": one, "two": two}))


if __name__ == "__main__":
    main()
