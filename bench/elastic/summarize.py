#!/usr/bin/env python3
"""Reads the JSON lines elastic_test.py appends (CASCADE_ELASTIC_RESULTS) and prints, per
scenario, the recovery time (failure seen -> training resumed, from the coordinator's generation
record), the fault -> resumed time seen by the test (its own clock, including its 0.2 s polling)
and the steps rolled back: median and max, as a Markdown table."""
import json
import statistics
import sys
from collections import defaultdict


def main():
    rows = defaultdict(list)
    for line in open(sys.argv[1]):
        r = json.loads(line)
        rows[r["scenario"]].append(r)
    print("| scenario | runs | recovery median (s) | recovery max (s) | fault→resumed median (s) "
          "| fault→resumed max (s) | steps lost median | steps lost max |")
    print("|---|---|---|---|---|---|---|---|")
    for scenario, rs in sorted(rows.items()):
        rec = [r["recovery_s"] for r in rs if "recovery_s" in r]
        wall = [v for r in rs for k, v in r.items() if k.endswith("_to_resumed_s")]
        lost = [r["steps_lost"] for r in rs if "steps_lost" in r]
        fmt = lambda xs, f: f"{f(xs):.2f}" if xs else "–"  # noqa: E731
        print(f"| {scenario} | {len(rs)} | {fmt(rec, statistics.median)} | {fmt(rec, max)} "
              f"| {fmt(wall, statistics.median)} | {fmt(wall, max)} "
              f"| {fmt(lost, statistics.median)} | {fmt(lost, max)} |")


if __name__ == "__main__":
    main()
