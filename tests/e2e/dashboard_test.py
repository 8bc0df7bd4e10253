#!/usr/bin/env python3
"""The Grafana dashboard (deploy/grafana) only queries metrics the coordinator exports: start a
coordinator with --metrics-port, scrape /metrics, and check every metric name in every panel
expression is there (state labels included). Usage: dashboard_test.py BUILD DASHBOARD_JSON"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

build, dashboard = sys.argv[1], sys.argv[2]
coordinator = os.path.join(build, "coordinator", "cascade-coordinator")
cascade = os.path.join(build, "cli", "cascade")
if not os.path.exists(coordinator):
    print("SKIP: cascade-coordinator not built")
    sys.exit(77)

with tempfile.TemporaryDirectory() as d:
    subprocess.run([cascade, "admin", "token", "create", "--tokens", f"{d}/t.yaml", "--name", "u",
                    "--out", f"{d}/u.token"], check=True, capture_output=True)
    with socket.socket() as s:  # a free port for the metrics endpoint (gRPC itself uses port 0)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([coordinator, "--listen", "127.0.0.1:0", "--state", f"{d}/s.db",
                             "--token-file", f"{d}/t.yaml", "--metrics-port", str(port),
                             "--metrics-host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        text = None
        for _ in range(300):
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit("coordinator exited")
                time.sleep(0.1)
        assert text, "no /metrics"
    finally:
        proc.terminate()
        proc.wait(timeout=30)

exported = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)", text, re.M))
panels = json.load(open(dashboard))["panels"]
missing = []
for p in panels:
    for t in p["targets"]:
        for name in re.findall(r"\b(cascade_[a-z_]+|process_[a-z_]+)\b", t["expr"]):
            if name not in exported:
                missing.append((p["title"], name))
        for state in re.findall(r'state="([a-z]+)"', t["expr"]):
            if f'state="{state}"' not in text:
                missing.append((p["title"], f'state="{state}"'))
assert not missing, f"dashboard queries metrics the coordinator does not export: {missing}"
print(f"PASS: {len(panels)} panels, every metric exported")
