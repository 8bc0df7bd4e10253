#!/usr/bin/env python3
"""Fault injection on elastic worker groups (issue 6), on loopback: a real coordinator, real
workers, the CLI. One trial, tiny model, commits every K steps.

  elastic_test.py BUILD kill-SEED          SIGKILL one of 3 at a random step: re-forms with 2 in
                                          place, rolls back <= K steps, completes, and its final
                                          weights equal a ghost-batch reference run that changes
                                          from 3 to 2 ranks at the same step
  elastic_test.py BUILD hang              SIGSTOP one of 3: declared failed, re-forms with 2
  elastic_test.py BUILD below-min         kill 2 of 3 (min 2): waits, falls back to disk, resumes
                                          when a new worker registers
  elastic_test.py BUILD join              a worker registers mid-trial: joins at the next commit
  elastic_test.py BUILD coordinator-kill  SIGKILL the coordinator during a regroup: converges
  elastic_test.py BUILD partition         one worker in its own network namespace loses its
                                          link: same outcome as a death (skips, exit 77, where
                                          namespaces cannot be made)

Outcomes are asserted, never timings. With CASCADE_ELASTIC_RESULTS=FILE each run appends one
JSON line (scenario, recovery seconds, steps lost, ...) that bench/elastic/summarize.py reads for
docs/reliability.md.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "e2e"))
from cluster import Cluster  # noqa: E402

K = 2                # commit_every_steps
STEPS_PER_EPOCH = 12
EPOCHS = 2
BATCH = 2
LR = 1e-3


def spec(checkpoint_dir, min_w, max_w):
    return f"""name: elastic
data:
  simulate: {{events: 240, files: 3, seed: 5, energy_range_gev: [10, 200]}}
model: {{filters: tiny}}
hyperparameters:
  lr: {LR}
  batch_per_worker: {BATCH}
searcher: {{name: grid, metric: sampling_fraction_mre, smaller_is_better: true}}
resources: {{min_workers: {min_w}, max_workers: {max_w}, max_concurrent_trials: 1}}
checkpoint: {{dir: {checkpoint_dir}, keep_latest: 10, keep_best: 1}}
training: {{steps_per_epoch: {STEPS_PER_EPOCH}, validation_events: 16, commit_every_steps: {K},
           checkpoint_every_steps: 4}}
max_restarts: 5
epochs: {EPOCHS}
seed: 21
"""


def the_trial(c, scan_id):
    trials = c.cli_json("trials", scan_id)["trials"]
    assert len(trials) == 1, trials
    return trials[0]


def generations(t):
    return t.get("generations", [])


def wait_running(c, scan_id, world, min_step=0, what=None):
    def cond():
        t = the_trial(c, scan_id)
        gens = generations(t)
        ok = (t["state"] == "TRIAL_STATE_RUNNING" and gens and gens[-1].get("world_size") == world
              and gens[-1].get("resumed_at") and int(t.get("steps_completed", 0)) >= min_step)
        return t if ok else None
    return c.wait_for(cond, what or f"trial running with {world} workers past step {min_step}",
                      timeout=900, proc=c.coordinator)


def wait_done(c, scan_id):
    def cond():
        st = c.cli_json("status", scan_id)["scan"]["state"]
        return st if st in ("SCAN_STATE_COMPLETED", "SCAN_STATE_FAILED", "SCAN_STATE_CANCELED") \
            else None
    state = c.wait_for(cond, "scan to end", timeout=1800)
    t = the_trial(c, scan_id)
    assert state == "SCAN_STATE_COMPLETED", (state, t)
    assert t["state"] == "TRIAL_STATE_COMPLETED", t
    return t


def ts(x):
    """RFC 3339 timestamp from the CLI's JSON -> seconds."""
    from datetime import datetime
    return datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp()


def record(scenario, **fields):
    out = os.environ.get("CASCADE_ELASTIC_RESULTS")
    line = dict(scenario=scenario, **fields)
    print("RESULT " + json.dumps(line))
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(line) + "\n")


def member_pids(c, t):
    """worker id -> pid, for the trial's current group, from `cascade workers`."""
    workers = {w["id"]: w for w in c.cli_json("workers")["workers"]}
    return [int(workers[w]["info"]["pid"]) for w in t["worker_ids"]]


def name_of_pid(c, pid):
    for name, p in c.workers.items():
        if p.pid == pid:
            return name
    raise AssertionError(f"pid {pid} is not a worker of this test")


def regroup_after(c, scan_id, gen_before, world):
    def cond():
        t = the_trial(c, scan_id)
        gens = generations(t)
        g = gens[-1] if gens else {}
        return t if (g.get("generation", 0) > gen_before and g.get("world_size") == world
                     and g.get("resumed_at")) else None
    return c.wait_for(cond, f"a generation > {gen_before} with {world} workers", timeout=600)


def check_regroup(t, gen_before):
    g = [x for x in generations(t) if x["generation"] > gen_before][0]
    assert g.get("in_place"), f"expected an in-place regroup: {g}"
    lost = int(g.get("steps_lost", 0))
    assert lost <= K, f"rolled back {lost} steps > K={K}: {g}"
    recovery = ts(g["resumed_at"]) - ts(g["failed_at"])
    return g, lost, recovery


def reference_matches(c, t, change_step, world_before, world_after):
    """Ghost-batch reference: world_before ranks to change_step, then world_after from there."""
    ref = os.path.join(c.dir, "reference")
    os.makedirs(ref, exist_ok=True)
    data = [os.path.join(c.dir, "data-cache", d) for d in os.listdir(os.path.join(c.dir, "data-cache"))
            if os.path.isdir(os.path.join(c.dir, "data-cache", d))]
    assert len(data) == 1, data
    common = [c.bin("cascade-worker"), "--standalone", "--world", "1", "--data", data[0],
              "--epochs", str(EPOCHS), "--batch", str(BATCH), "--lr", str(LR),
              "--seed", str(t["seed"]), "--filters", "tiny",
              "--max-steps-per-epoch", str(STEPS_PER_EPOCH), "--validation-events", "0",
              "--threads", "1", "--quiet"]
    first, second = os.path.join(ref, "before"), os.path.join(ref, "after")
    subprocess.run(common + ["--ghost-batches", str(world_before), "--out", first,
                             "--checkpoint-every", str(change_step)],
                   check=True, env=c.env, capture_output=True, text=True)
    if change_step % STEPS_PER_EPOCH == 0:
        at = os.path.join(first, f"ckpt-epoch-{change_step // STEPS_PER_EPOCH:04d}.h5")
    else:
        at = os.path.join(first, f"ckpt-step-{change_step:08d}.h5")
    subprocess.run(common + ["--ghost-batches", str(world_after), "--out", second, "--resume", at],
                   check=True, env=c.env, capture_output=True, text=True)
    final = f"ckpt-epoch-{EPOCHS:04d}.h5"
    trial_final = t["latest_checkpoint"]["path"]
    assert os.path.basename(trial_final) == final, t["latest_checkpoint"]
    r = subprocess.run([os.path.join(c.build, "tests", "integration", "trainer", "compare_states"),
                        trial_final, "--reference", os.path.join(second, final), "--rtol", "0"],
                       env=c.env, capture_output=True, text=True)
    assert r.returncode == 0, f"final weights differ from the reference:\n{r.stdout}\n{r.stderr}"
    print(f"final weights equal the ghost-batch reference ({world_before} -> {world_after} ranks "
          f"at step {change_step})")


def start(c, n, min_w, max_w, timeout=20):
    c.start_coordinator()
    for i in range(n):
        c.start_worker(f"w{i}", timeout=timeout)
    c.wait_for(lambda: len(c.cli_json("workers")["workers"]) == n, f"{n} workers registered")
    return c.submit(spec(os.path.join(c.dir, "ckpt"), min_w, max_w))["scan"]["id"]


def kill(build, seed):
    rng = random.Random(seed)
    kill_step = rng.randrange(3, EPOCHS * STEPS_PER_EPOCH - 8)
    with Cluster(build, f"elastic-kill-{seed}") as c:
        scan = start(c, 3, 2, 3)
        t = wait_running(c, scan, 3, kill_step)
        gen = generations(t)[-1]["generation"]
        victim = rng.choice(member_pids(c, t))
        killed_at = time.time()
        os.kill(victim, signal.SIGKILL)
        t = regroup_after(c, scan, gen, 2)
        seen = time.time() - killed_at
        g, lost, recovery = check_regroup(t, gen)
        t = wait_done(c, scan)
        reference_matches(c, t, int(g["start_step"]), 3, 2)
        record("kill", seed=seed, kill_step=kill_step, resumed_step=int(g["start_step"]),
               steps_lost=lost, recovery_s=round(recovery, 3), kill_to_resumed_s=round(seen, 3))


def hang(build):
    with Cluster(build, "elastic-hang") as c:
        scan = start(c, 3, 2, 3, timeout=6)
        t = wait_running(c, scan, 3, 4)
        gen = generations(t)[-1]["generation"]
        victim = member_pids(c, t)[-1]
        stopped_at = time.time()
        os.kill(victim, signal.SIGSTOP)
        try:
            t = regroup_after(c, scan, gen, 2)
            seen = time.time() - stopped_at
            g, lost, recovery = check_regroup(t, gen)
        finally:
            os.kill(victim, signal.SIGKILL)
        wait_done(c, scan)
        record("hang", steps_lost=lost, recovery_s=round(recovery, 3),
               stop_to_resumed_s=round(seen, 3))


def below_min(build):
    with Cluster(build, "elastic-below-min",
                 coordinator_args=["--regroup-timeout", "4"]) as c:
        scan = start(c, 3, 2, 3)
        t = wait_running(c, scan, 3, 5)
        gen = generations(t)[-1]["generation"]
        pids = member_pids(c, t)
        for pid in pids[1:]:
            os.kill(pid, signal.SIGKILL)
        # The survivor holds its commit for --regroup-timeout, then the trial falls back to disk.
        c.wait_for(lambda: the_trial(c, scan)["state"] == "TRIAL_STATE_PENDING",
                   "trial pending after the regroup wait", timeout=120)
        c.start_worker("late")
        t = regroup_after(c, scan, gen, 2)
        g = generations(t)[-1]
        assert not g.get("in_place"), f"expected a restart from disk: {g}"
        assert int(g.get("start_step", 0)) >= 4, f"expected the step-4 disk checkpoint: {g}"
        t = wait_done(c, scan)
        record("below-min", resumed_step=int(g.get("start_step", 0)), restarts=t.get("restarts", 0))


def join(build):
    with Cluster(build, "elastic-join") as c:
        scan = start(c, 2, 2, 3)
        t = wait_running(c, scan, 2, 4)
        gen = generations(t)[-1]["generation"]
        c.start_worker("joiner")
        t = regroup_after(c, scan, gen, 3)
        g = [x for x in generations(t) if x["generation"] > gen][0]
        assert g.get("in_place") and not g.get("charged"), g
        t = wait_done(c, scan)
        reference_matches(c, t, int(g["start_step"]), 2, 3)
        record("join", resumed_step=int(g["start_step"]),
               recovery_s=round(ts(g["resumed_at"]) - ts(g["failed_at"]), 3))


def coordinator_kill(build):
    with Cluster(build, "elastic-coordinator-kill", heartbeat_timeout=3, reattach_grace=20) as c:
        scan = start(c, 3, 2, 3)
        t = wait_running(c, scan, 3, 4)
        gen = generations(t)[-1]["generation"]
        os.kill(member_pids(c, t)[-1], signal.SIGKILL)
        c.restart_coordinator_on_same_port()
        t = c.wait_for(lambda: (lambda t: t if generations(t)[-1]["generation"] > gen
                                and generations(t)[-1].get("resumed_at") else None)(
                                    the_trial(c, scan)),
                       "the group to re-form after the coordinator restart", timeout=600)
        t = wait_done(c, scan)
        gens = generations(t)
        record("coordinator-kill", generations=len(gens), restarts=t.get("restarts", 0))


def partition(build):
    ns = f"cascade-el{os.getpid() % 10000}"
    host_if, ns_if = f"ch{os.getpid() % 10000}", f"cn{os.getpid() % 10000}"
    net = f"10.{77 + os.getpid() % 100}.{os.getpid() % 200}"
    made = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if made.returncode != 0:
        print(f"SKIP: cannot create a network namespace here: {made.stderr.strip()}")
        sys.exit(77)
    try:
        for cmd in (["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
                    ["ip", "link", "set", ns_if, "netns", ns],
                    ["ip", "addr", "add", f"{net}.1/24", "dev", host_if],
                    ["ip", "link", "set", host_if, "up"],
                    ["ip", "netns", "exec", ns, "ip", "addr", "add", f"{net}.2/24", "dev", ns_if],
                    ["ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up"],
                    ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"SKIP: {' '.join(cmd)}: {r.stderr.strip()}")
                sys.exit(77)
        with Cluster(build, "elastic-partition", listen_host=f"{net}.1") as c:
            c.start_coordinator()
            c.start_worker("a", timeout=8, hostname=f"{net}.1")
            c.start_worker("b", timeout=8, hostname=f"{net}.1")
            c.start_worker("island", timeout=8, hostname=f"{net}.2",
                           prefix=["ip", "netns", "exec", ns])
            c.wait_for(lambda: len(c.cli_json("workers")["workers"]) == 3, "3 workers registered")
            scan = c.submit(spec(os.path.join(c.dir, "ckpt"), 2, 3))["scan"]["id"]
            t = wait_running(c, scan, 3, 4)
            gen = generations(t)[-1]["generation"]
            cut_at = time.time()
            subprocess.run(["ip", "link", "set", host_if, "down"], check=True)
            t = regroup_after(c, scan, gen, 2)
            seen = time.time() - cut_at
            g, lost, recovery = check_regroup(t, gen)
            island = c.workers["island"].pid
            assert island not in member_pids(c, t), "the partitioned worker is still a member"
            wait_done(c, scan)
            record("partition", steps_lost=lost, recovery_s=round(recovery, 3),
                   cut_to_resumed_s=round(seen, 3))
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main():
    build, scenario = sys.argv[1], sys.argv[2]
    if scenario.startswith("kill-"):
        kill(build, int(scenario[len("kill-"):]))
    else:
        {"hang": hang, "below-min": below_min, "join": join, "coordinator-kill": coordinator_kill,
         "partition": partition}[scenario](build)
    print(f"PASS: {scenario}")


if __name__ == "__main__":
    main()
