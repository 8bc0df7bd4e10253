#!/usr/bin/env python3
"""docs/user-guide.md cannot rot: run its runnable blocks, in order, on loopback.

  user_guide_test.py BUILD_DIR GUIDE.md

The guide's convention (stated at its top): blocks fenced ```bash run as an ordinary user on one
machine, in one shell; blocks fenced ```sh need root or a Slurm cluster (install, systemd, sbatch)
and are NOT run here — this test prints each of them as "not run" with its first line. The guide
places the one-machine equivalent of every such step next to it as a ```bash block (e.g. starting
workers by hand instead of `sbatch workers.sbatch`), and that equivalent is run instead. A ```bash
block that calls sudo/systemctl/apt/sbatch/srun breaks the convention and fails the test.

The blocks run unchanged, as one bash script with `set -e -o pipefail`. Only the environment the
guide itself reads is set: HOME (a scratch home, so ~/.cascade and ~/scans land in the temp dir),
CASCADE_LISTEN=127.0.0.1:0 (the coordinator picks a free port and writes --port-file, as the guide
does), CASCADE_HOST=127.0.0.1, TMPDIR, PATH (the build tree's binaries first). Afterwards the
outcomes the guide promises are checked: the scan COMPLETED, the best checkpoint exists, showers
were generated, the report has a finite sampling-fraction MRE, and every process exited 0.

Exit codes: 0 pass, 1 fail, 77 skip (a binary is not built, or jq is missing).
"""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

FORBIDDEN_IN_BASH = re.compile(r"(^|[\s;&|(])(sudo|systemctl|apt|apt-get|dpkg|sbatch|srun|scancel)\s")
BINARIES = {"cascade": "cli", "cascade-coordinator": "coordinator", "cascade-worker": "worker"}


def blocks(markdown):
    """(language, first line number, text) of every fenced block."""
    out, lang, start, body = [], None, 0, []
    for n, line in enumerate(markdown.splitlines(), 1):
        m = re.match(r"^```(\S*)\s*$", line)
        if lang is None and m:
            lang, start, body = m.group(1), n + 1, []
        elif lang is not None and line.startswith("```"):
            out.append((lang, start, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(line)
    if lang is not None:
        raise AssertionError(f"unterminated ``` block starting at line {start - 1}")
    return out


def main():
    build, guide = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for name, sub in BINARIES.items():
        if not os.access(os.path.join(build, sub, name), os.X_OK):
            print(f"SKIP: {os.path.join(build, sub, name)} is not built")
            return 77
    if shutil.which("jq") is None:
        print("SKIP: jq is not installed; the guide's bash blocks read JSON with it (apt install jq)")
        return 77

    found = blocks(open(guide).read())
    script = ["set -e -o pipefail",
              "trap 'echo \"FAILED: the block at line $GUIDE_LINE of the guide (exit $?)\" >&2' ERR"]
    n_run = 0
    for lang, line, text in found:
        if lang == "bash":
            bad = [ln for ln in text.splitlines() if FORBIDDEN_IN_BASH.search(" " + ln + " ")]
            if bad:
                raise AssertionError(f"{guide}:{line}: a bash block needs root or Slurm: {bad[0]!r}"
                                     " (fence it as sh and give the one-machine equivalent)")
            script.append(f"GUIDE_LINE={line}; echo '==== guide line {line}'")
            script.append(text)
            n_run += 1
        elif lang == "sh":
            print(f"not run (sh: needs root or Slurm), line {line}: {text.splitlines()[0]}")
    assert n_run >= 10, f"only {n_run} bash blocks in {guide}: did the fences change?"
    print(f"running {n_run} bash blocks of {guide}")

    tmp = tempfile.mkdtemp(prefix="cascade-guide-")
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CASCADE_") and not k.startswith("SLURM_")}
    env.update(HOME=home, TMPDIR=tmp, CASCADE_LISTEN="127.0.0.1:0", CASCADE_HOST="127.0.0.1",
               OMP_NUM_THREADS="1",
               PATH=":".join([os.path.join(build, sub) for sub in BINARIES.values()] +
                             [env.get("PATH", "/usr/bin:/bin")]))
    with open(os.path.join(tmp, "guide.sh"), "w") as f:
        f.write("\n".join(script) + "\n")
    log_path = os.path.join(tmp, "guide.log")
    ok = False
    # A session of its own: whatever the guide leaves running is killed by this group id at the end.
    proc = subprocess.Popen(["bash", os.path.join(tmp, "guide.sh")], cwd=home, env=env,
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        try:
            rc = proc.wait(timeout=1800)
        except subprocess.TimeoutExpired:
            rc = None
        log = open(log_path, errors="replace").read()
        print(log[-6000:])
        assert rc == 0, f"the guide's blocks exited {rc}"
        check_outcomes(home, log)
        ok = True
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        cascade_home = os.path.join(home, "cascade")
        for name in sorted(os.listdir(cascade_home)) if os.path.isdir(cascade_home) else []:
            if name.endswith(".log") and not ok:
                print(f"---- {name} ----\n" + open(os.path.join(cascade_home, name),
                                                     errors="replace").read()[-3000:])
        if ok and not os.environ.get("CASCADE_KEEP_E2E"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")
    print("PASS: every bash block of the user guide ran; scan completed, showers generated, report written")
    return 0


def check_outcomes(home, log):
    assert re.search(r"submitted s-\d+", log), "no scan id echoed after `cascade submit`"
    report = json.load(open(os.path.join(home, "report", "metrics.json")))
    assert math.isfinite(report["sf_mre"]), report["sf_mre"]
    assert report["n_candidate"] == 8 * 30, report["n_candidate"]
    assert os.path.getsize(os.path.join(home, "generated.h5")) > 0
    assert os.path.getsize(os.path.join(home, "first-metrics.csv")) > 0
    assert "exited with status" not in log, "a process started by the guide did not exit 0 on SIGTERM"
    # `cascade watch` exited 0 (set -e), so the scan COMPLETED; the best checkpoint path was echoed.
    paths = [ln for ln in log.splitlines() if ln.endswith(".h5") and ln.startswith("/")]
    assert paths and os.path.exists(paths[-1]), f"best checkpoint not found: {paths}"


if __name__ == "__main__":
    sys.exit(main())
