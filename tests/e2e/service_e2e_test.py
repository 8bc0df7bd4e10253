#!/usr/bin/env python3
"""End-to-end tests of the service on loopback (issue 5): a coordinator, 3 workers, the CLI.

  service_e2e_test.py BUILD grid                 4-trial grid scan, 1-2 workers per trial
  service_e2e_test.py BUILD coordinator-restart  SIGKILL the coordinator mid-scan, restart it
  service_e2e_test.py BUILD worker-kill          SIGKILL a worker mid-trial

Every scenario checks outcomes, never timings: all trials complete, metrics are stored, the best
trial is the one with the smallest physics metric, nothing acknowledged before a crash is lost.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster, tiny_grid_spec  # noqa: E402

TERMINAL = {"SCAN_STATE_COMPLETED", "SCAN_STATE_CANCELED", "SCAN_STATE_FAILED"}


def scan_of(c, scan_id):
    return c.cli_json("status", scan_id)


def scan_state(c, scan_id):
    return scan_of(c, scan_id)["scan"]["state"]


def trials_of(c, scan_id):
    return c.cli_json("trials", scan_id)["trials"]


def check_completed_scan(c, scan_id, n_trials):
    trials = trials_of(c, scan_id)
    assert len(trials) == n_trials, trials
    best_metric, best_id = None, None
    for t in trials:
        assert t["state"] == "TRIAL_STATE_COMPLETED", t
        recs = c.cli_json("metrics", t["id"])["records"]
        steps = [r for r in recs if "step" in r]
        vals = [r for r in recs if "validation" in r]
        assert steps, f"trial {t['id']} stored no step metrics"
        assert len(vals) == t["max_epochs"], f"trial {t['id']}: {len(vals)} validations"
        for v in vals:
            m = v["validation"]["sampling_fraction_mre"]
            if best_metric is None or m < best_metric:
                best_metric, best_id = m, t["id"]
    best = c.cli_json("best", scan_id)
    assert best["trial"]["id"] == best_id, (best, best_id, best_metric)
    print(f"scan {scan_id}: {n_trials} trials completed; best {best_id} "
          f"(sampling-fraction MRE {best_metric:.4f})")


def grid(build):
    with Cluster(build, "grid") as c:
        c.start_coordinator()
        for w in ("a", "b", "c"):
            c.start_worker(w)
        c.wait_for(lambda: len(c.cli_json("workers")["workers"]) == 3, "3 workers registered")
        spec = tiny_grid_spec("e2e-grid", os.path.join(c.dir, "ckpt"))
        scan = c.submit(spec)["scan"]
        # `watch` streams to the end and exits 0 only if the scan completed.
        r = c.cli("watch", scan["id"], timeout=1500)
        assert "COMPLETED" in r.stdout.upper(), r.stdout[-2000:]
        check_completed_scan(c, scan["id"], 4)
        # Workers went back to idle and nothing is over-committed.
        workers = c.cli_json("workers")["workers"]
        assert all(w["state"] == "WORKER_STATE_IDLE" for w in workers), workers


def coordinator_restart(build):
    with Cluster(build, "restart") as c:
        c.start_coordinator()
        for w in ("a", "b", "c"):
            c.start_worker(w)
        c.wait_for(lambda: len(c.cli_json("workers")["workers"]) == 3, "3 workers registered")
        spec = tiny_grid_spec("e2e-restart", os.path.join(c.dir, "ckpt"), epochs=3)
        scan = c.submit(spec)["scan"]
        # Kill once some validation was acknowledged (stored), so there is something to lose.
        def validated():
            return [t for t in trials_of(c, scan["id"]) if int(t.get("epochs_completed", 0)) >= 1]
        c.wait_for(validated, "a trial finished its first epoch", timeout=900)
        before = {t["id"]: t for t in trials_of(c, scan["id"])}
        metrics_before = {tid: len(c.cli_json("metrics", tid)["records"]) for tid in before}
        c.restart_coordinator_on_same_port()
        after = {t["id"]: t for t in trials_of(c, scan["id"])}
        assert set(after) == set(before), (before.keys(), after.keys())
        for tid, t in before.items():
            assert int(after[tid].get("epochs_completed", 0)) >= int(t.get("epochs_completed", 0))
            n = len(c.cli_json("metrics", tid)["records"])
            assert n >= metrics_before[tid], f"{tid}: {n} metric records < {metrics_before[tid]}"
        c.wait_for(lambda: scan_state(c, scan["id"]) in TERMINAL, "scan end", timeout=1500)
        assert scan_state(c, scan["id"]) == "SCAN_STATE_COMPLETED", c.logs()
        check_completed_scan(c, scan["id"], 4)


def worker_kill(build):
    with Cluster(build, "workerkill") as c:
        c.start_coordinator()
        for w in ("a", "b", "c"):
            c.start_worker(w)
        c.wait_for(lambda: len(c.cli_json("workers")["workers"]) == 3, "3 workers registered")
        spec = tiny_grid_spec("e2e-workerkill", os.path.join(c.dir, "ckpt"), trials_lr=(1e-3,),
                              batches=(2,), min_w=2, max_w=2, epochs=3)
        scan = c.submit(spec)["scan"]

        def running_after_checkpoint():
            for t in trials_of(c, scan["id"]):
                if t["state"] == "TRIAL_STATE_RUNNING" and t.get("latest_checkpoint", {}).get("path"):
                    return t
            return None
        t = c.wait_for(running_after_checkpoint, "a running trial with a checkpoint", timeout=900)
        workers = {w["id"]: w for w in c.cli_json("workers")["workers"]}
        victim_pid = workers[t["worker_ids"][0]]["info"]["pid"]
        os.kill(int(victim_pid), signal.SIGKILL)
        print(f"killed worker {t['worker_ids'][0]} (pid {victim_pid}) of trial {t['id']}")
        c.wait_for(lambda: scan_state(c, scan["id"]) in TERMINAL, "scan end", timeout=1500)
        assert scan_state(c, scan["id"]) == "SCAN_STATE_COMPLETED", c.logs()
        final = trials_of(c, scan["id"])[0]
        assert int(final.get("restarts", 0)) >= 1, final
        assert int(final.get("generation", 0)) >= 2, final
        check_completed_scan(c, scan["id"], 1)


if __name__ == "__main__":
    build, scenario = sys.argv[1], sys.argv[2]
    {"grid": grid, "coordinator-restart": coordinator_restart, "worker-kill": worker_kill}[scenario](build)
    print(f"PASS {scenario}")
