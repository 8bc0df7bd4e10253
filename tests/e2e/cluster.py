"""A Cascade deployment on loopback for end-to-end tests: one coordinator, N workers, the CLI.

Everything runs from the build tree, in a private temp dir; every process started here is killed
when the test ends (also on failure). Ports are chosen by the coordinator (--listen 127.0.0.1:0
--port-file). Nothing here sleeps for a fixed time to make a test pass: waits poll a condition
with a generous deadline and fail with the last state seen.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


class Cluster:
    def __init__(self, build, name="e2e", heartbeat_timeout=3, reattach_grace=6,
                 coordinator_args=(), listen_host="127.0.0.1"):
        self.build = os.path.abspath(build)
        self.coordinator_args = list(coordinator_args)
        self.listen_host = listen_host
        self.dir = tempfile.mkdtemp(prefix=f"cascade-{name}-")
        self.state = os.path.join(self.dir, "state.db")
        self.tokens = os.path.join(self.dir, "tokens.yaml")
        self.heartbeat_timeout = heartbeat_timeout
        self.reattach_grace = reattach_grace
        self.coordinator = None
        self.workers = {}
        self.address = None
        self.env = dict(os.environ, OMP_NUM_THREADS="1", CASCADE_CONFIG="/nonexistent-ok")
        self.env.pop("CASCADE_CONFIG")
        self.user_token = self._token("alice", "user")
        self.worker_token = self._token("pool", "worker")
        self.admin_token = self._token("ops", "admin")

    # --- set-up -------------------------------------------------------------------------------
    def bin(self, name):
        for sub in ("cli", "coordinator", "worker"):
            path = os.path.join(self.build, sub, name)
            if os.path.exists(path):
                return path
        raise FileNotFoundError(name)

    def _token(self, name, role):
        out = os.path.join(self.dir, f"{name}.token")
        subprocess.run([self.bin("cascade"), "admin", "token", "create", "--tokens", self.tokens,
                        "--name", name, "--role", role, "--out", out],
                       check=True, env=self.env, capture_output=True, text=True)
        return out

    def start_coordinator(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        log = open(os.path.join(self.dir, "coordinator.log"), "a")
        self.coordinator = subprocess.Popen(
            [self.bin("cascade-coordinator"), "--listen", f"{self.listen_host}:0",
             "--port-file", port_file,
             "--state", self.state, "--token-file", self.tokens,
             "--heartbeat-timeout", str(self.heartbeat_timeout),
             "--reattach-grace", str(self.reattach_grace),
             "--checkpoint-root", os.path.join(self.dir, "checkpoints"), *self.coordinator_args],
            stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self.wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(),
                      "coordinator port file", timeout=60, proc=self.coordinator)
        port = open(port_file).read().strip()
        if self.address and self.address != f"127.0.0.1:{port}":
            # Workers keep the address they were started with: a restart must reuse the port.
            pass
        self.address = f"{self.listen_host}:{port}"
        return self.address

    def restart_coordinator_on_same_port(self):
        """SIGKILL the coordinator and start it again on the same port (workers keep the address)."""
        port = self.address.split(":")[1]
        self.coordinator.send_signal(signal.SIGKILL)
        self.coordinator.wait()
        log = open(os.path.join(self.dir, "coordinator.log"), "a")
        log.write("\n==== restarted after SIGKILL ====\n")
        log.flush()
        port_file = os.path.join(self.dir, "port")
        os.unlink(port_file)
        deadline = time.time() + 60
        while True:  # the kernel may hold the port for a moment after the kill
            self.coordinator = subprocess.Popen(
                [self.bin("cascade-coordinator"), "--listen", f"{self.listen_host}:{port}",
                 "--port-file", port_file, "--state", self.state, "--token-file", self.tokens,
                 "--heartbeat-timeout", str(self.heartbeat_timeout),
                 "--reattach-grace", str(self.reattach_grace),
                 "--checkpoint-root", os.path.join(self.dir, "checkpoints"),
                 *self.coordinator_args],
                stdout=log, stderr=subprocess.STDOUT, env=self.env)
            try:
                self.wait_for(lambda: os.path.exists(port_file), "restarted coordinator",
                              timeout=20, proc=self.coordinator)
                return
            except AssertionError:
                if time.time() > deadline:
                    raise
                self.coordinator.kill()
                self.coordinator.wait()

    def start_worker(self, name, timeout=20, prefix=(), hostname=None):
        """`prefix` runs the worker under another command (e.g. `ip netns exec NS`); `hostname` is
        the address its Gloo device binds (default: the host name)."""
        log = open(os.path.join(self.dir, f"worker-{name}.log"), "a")
        extra = ["--hostname", hostname] if hostname else []
        proc = subprocess.Popen(
            [*prefix, self.bin("cascade-worker"), "--coordinator", self.address, "--token-file",
             self.worker_token, "--threads", "1", "--timeout", str(timeout),
             "--data-cache", os.path.join(self.dir, "data-cache"), *extra],
            stdout=log, stderr=subprocess.STDOUT, env=self.env)
        self.workers[name] = proc
        return proc

    # --- the CLI ------------------------------------------------------------------------------
    def cli(self, *args, token=None, check=True, timeout=120):
        cmd = [self.bin("cascade"), *args, "--coordinator", self.address,
               "--token-file", token or self.user_token]
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def cli_json(self, *args, **kw):
        return json.loads(self.cli(*args, "-o", "json", **kw).stdout)

    def submit(self, spec_text):
        path = os.path.join(self.dir, f"scan-{time.time_ns()}.yaml")
        with open(path, "w") as f:
            f.write(spec_text)
        return self.cli_json("submit", path)

    # --- waiting ------------------------------------------------------------------------------
    def wait_for(self, cond, what, timeout=600, interval=0.2, proc=None):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"{what}: process exited with {proc.returncode}\n" + self.logs())
            try:
                last = cond()
                if last:
                    return last
            except Exception as e:  # noqa: BLE001 — keep polling, report the last error
                last = e
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what} (last: {last})\n" + self.logs())

    def logs(self, tail=40):
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".log"):
                lines = open(os.path.join(self.dir, name), errors="replace").read().splitlines()
                out.append(f"---- {name} (last {tail} lines) ----")
                out.extend(lines[-tail:])
        return "\n".join(out)

    def stop(self):
        procs = list(self.workers.values()) + ([self.coordinator] if self.coordinator else [])
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write(self.logs(80) + "\n")
        self.stop()
        if exc[0] is None and not os.environ.get("CASCADE_KEEP_E2E"):
            subprocess.run(["rm", "-rf", self.dir])
        else:
            sys.stderr.write(f"kept {self.dir}\n")
        return False


def tiny_grid_spec(name, checkpoint_dir, trials_lr=(1e-3, 2e-3), batches=(2, 4), min_w=1, max_w=2,
                   epochs=2, steps_per_epoch=3, max_restarts=5):
    return f"""name: {name}
data:
  simulate: {{events: 120, files: 3, seed: 3, energy_range_gev: [10, 200]}}
model: {{filters: tiny}}
hyperparameters:
  lr: {{type: categorical, vals: [{", ".join(str(x) for x in trials_lr)}]}}
  batch_per_worker: {{type: categorical, vals: [{", ".join(str(x) for x in batches)}]}}
searcher: {{name: grid, metric: sampling_fraction_mre, smaller_is_better: true}}
resources: {{min_workers: {min_w}, max_workers: {max_w}, max_concurrent_trials: 4}}
checkpoint: {{dir: {checkpoint_dir}, keep_latest: 1, keep_best: 1}}
training: {{steps_per_epoch: {steps_per_epoch}, validation_events: 16}}
max_restarts: {max_restarts}
epochs: {epochs}
seed: 11
"""
