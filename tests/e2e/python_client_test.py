#!/usr/bin/env python3
"""A client nobody on this project wrote talks to a real cascade-coordinator.

Debian's python3-grpcio and python3-protobuf, with Python code generated from proto/cascade/v1 at
test time, check that the wire contract is what the .proto files say: submit (validate-only, a bad
spec, then for real, then an idempotent retry), read the scan back with GetScan and ListScans, and
get UNAUTHENTICATED without a valid token. When the `cascade` binary is given, its service
commands are run against the same coordinator too (list, status, a bad submit, cancel, then watch
of the canceled scan exits 1).

Usage: python_client_test.py COORDINATOR_BINARY PROTO_DIR [CASCADE_BINARY]
Exit codes: 0 pass, 1 fail, 77 skip (only when the coordinator binary does not exist).
"""
import hashlib
import importlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
USER_TOKEN = secrets.token_hex(32)
WORKER_TOKEN = secrets.token_hex(32)

SPEC = """\
name: e2e-python-client
data:
  simulate:
    events: 40
    files: 2
hyperparameters:
  lr: {{type: log, minval: 1.0e-4, maxval: 1.0e-3, count: 2}}
  batch_per_worker: {{type: categorical, vals: [4, 8]}}
searcher:
  name: grid
  metric: sampling_fraction_mre
checkpoint:
  dir: {checkpoint_dir}
epochs: 1
"""
BAD_SPEC = SPEC.replace("minval: 1.0e-4", "minval: -1.0")

failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


def compile_protos(proto_dir, out_dir):
    """Generates *_pb2.py (and *_pb2_grpc.py when a gRPC Python generator exists) into out_dir."""
    protos = sorted(os.path.join("cascade", "v1", f)
                    for f in os.listdir(os.path.join(proto_dir, "cascade", "v1")) if f.endswith(".proto"))
    try:
        importlib.import_module("grpc_tools.protoc")
        cmd = [sys.executable, "-m", "grpc_tools.protoc", "--grpc_python_out=" + out_dir]
        how = "grpc_tools.protoc"
    except ImportError:
        cmd = ["protoc"]
        plugin = shutil.which("grpc_python_plugin")  # protobuf-compiler-grpc ships it
        if plugin:
            cmd += ["--plugin=protoc-gen-grpc_python=" + plugin, "--grpc_python_out=" + out_dir]
            how = "protoc + grpc_python_plugin"
        else:
            how = "protoc (messages only; calls driven through grpc.Channel)"
    cmd += ["--proto_path=" + proto_dir, "--python_out=" + out_dir] + protos
    subprocess.run(cmd, check=True)
    print("generated Python code with " + how, flush=True)


class DescriptorStub:
    """UserService calls built from the service descriptor: what generated stubs do, without them."""

    def __init__(self, channel, pb2):
        service = pb2.DESCRIPTOR.services_by_name["UserService"]
        for method in service.methods:
            request = getattr(pb2, method.input_type.name)
            response = getattr(pb2, method.output_type.name)
            path = "/%s/%s" % (service.full_name, method.name)
            factory = channel.unary_stream if method.name == "WatchScan" else channel.unary_unary
            setattr(self, method.name, factory(path, request_serializer=request.SerializeToString,
                                               response_deserializer=response.FromString))


def start_coordinator(binary, tmp):
    token_file = os.path.join(tmp, "tokens.yaml")
    with open(token_file, "w") as f:
        f.write("tokens:\n")
        for name, role, token in (("alice", "user", USER_TOKEN), ("pool", "worker", WORKER_TOKEN)):
            f.write("  - name: %s\n    role: %s\n    sha256: %s\n"
                    % (name, role, hashlib.sha256(token.encode()).hexdigest()))
    os.chmod(token_file, 0o600)
    port_file = os.path.join(tmp, "port")
    log = open(os.path.join(tmp, "coordinator.log"), "w")
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--state", os.path.join(tmp, "state.db"), "--token-file", token_file],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("cascade-coordinator exited with %d; log:\n%s"
                               % (proc.returncode, open(log.name).read()))
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read().strip()), log.name
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("cascade-coordinator wrote no port file within 60 s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_client(stub, pb2, scan_pb2, tmp):
    import grpc
    auth = [("authorization", "Bearer " + USER_TOKEN)]
    spec = SPEC.format(checkpoint_dir=os.path.join(tmp, "ckpt"))

    checked = stub.SubmitScan(pb2.SubmitScanRequest(spec_yaml=spec, validate_only=True),
                              metadata=auth, timeout=30)
    check(checked.trials_planned == 4, "validate_only plans the 2x2 grid (got %d)" % checked.trials_planned)
    check(not checked.HasField("scan"), "validate_only stores no scan")
    check(len(stub.ListScans(pb2.ListScansRequest(), metadata=auth, timeout=30).scans) == 0,
          "nothing listed after validate_only")

    try:
        stub.SubmitScan(pb2.SubmitScanRequest(spec_yaml=BAD_SPEC.format(checkpoint_dir="/tmp/x"),
                                              validate_only=True), metadata=auth, timeout=30)
        check(False, "a negative log minval is rejected")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "bad spec -> INVALID_ARGUMENT (%s)" % e.code())
        check("hyperparameters.lr.minval" in e.details(), "message names the field: " + e.details())

    request = pb2.SubmitScanRequest(spec_yaml=spec, request_id="e2e-" + secrets.token_hex(8))
    submitted = stub.SubmitScan(request, metadata=auth, timeout=30)
    scan_id = submitted.scan.id
    check(scan_id != "", "submit returns a scan id (%s)" % scan_id)
    check(submitted.scan.owner == "alice", "owner is the token's name (%s)" % submitted.scan.owner)
    check(submitted.scan.name == "e2e-python-client", "name from the spec")
    check(submitted.scan.searcher == "grid", "searcher from the spec")
    again = stub.SubmitScan(request, metadata=auth, timeout=30)
    check(again.scan.id == scan_id, "a retried submit with the same request_id returns the same scan")

    got = stub.GetScan(pb2.GetScanRequest(scan_id=scan_id, include_trials=True), metadata=auth, timeout=30)
    check(got.scan.id == scan_id, "GetScan finds it")
    check(got.scan.spec_yaml == spec, "spec_yaml is stored verbatim")
    check(got.scan.state in (scan_pb2.SCAN_STATE_PENDING, scan_pb2.SCAN_STATE_RUNNING),
          "a new scan is pending or running (%s)" % scan_pb2.ScanState.Name(got.scan.state))
    check(got.scan.created_at.seconds > 0, "created_at is set")

    listed = stub.ListScans(pb2.ListScansRequest(), metadata=auth, timeout=30)
    ids = [s.id for s in listed.scans]
    check(ids.count(scan_id) == 1, "ListScans lists it once (%s)" % ids)
    done = stub.ListScans(pb2.ListScansRequest(states=[scan_pb2.SCAN_STATE_COMPLETED]),
                          metadata=auth, timeout=30)
    check(scan_id not in [s.id for s in done.scans], "the state filter leaves it out of COMPLETED")

    stream = stub.WatchScan(pb2.WatchScanRequest(scan_id=scan_id), metadata=auth, timeout=30)
    first = next(stream)
    check(first.WhichOneof("kind") == "scan" and first.scan.id == scan_id,
          "WatchScan starts with a snapshot of the scan")
    stream.cancel()

    try:
        stub.GetScan(pb2.GetScanRequest(scan_id="s-does-not-exist"), metadata=auth, timeout=30)
        check(False, "unknown scan id fails")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.NOT_FOUND, "unknown scan -> NOT_FOUND (%s)" % e.code())

    for name, metadata in (("no token", []),
                           ("unknown token", [("authorization", "Bearer " + secrets.token_hex(32))])):
        try:
            stub.ListScans(pb2.ListScansRequest(), metadata=metadata, timeout=30)
            check(False, name + " is refused")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.UNAUTHENTICATED, "%s -> UNAUTHENTICATED (%s)" % (name, e.code()))
    try:
        stub.ListScans(pb2.ListScansRequest(), metadata=[("authorization", "Bearer " + WORKER_TOKEN)],
                       timeout=30)
        check(False, "a worker token cannot list scans")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.PERMISSION_DENIED, "worker token -> PERMISSION_DENIED (%s)" % e.code())
    return scan_id


def run_cli(cascade, address, scan_id, tmp):
    """The project's own CLI against the same coordinator."""
    token_file = os.path.join(tmp, "user-token")
    with open(token_file, "w") as f:
        f.write(USER_TOKEN + "\n")
    os.chmod(token_file, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASCADE_")}
    env.update(HOME=tmp, CASCADE_COORDINATOR=address, CASCADE_TOKEN_FILE=token_file)

    def cli(*args):
        return subprocess.run([cascade, *args], env=env, capture_output=True, text=True, timeout=60)

    listed = cli("scans", "-o", "json")
    check(listed.returncode == 0, "cascade scans exits 0 (%s)" % listed.stderr.strip())
    if listed.returncode == 0:
        check(scan_id in [s["id"] for s in json.loads(listed.stdout)["scans"]], "cascade scans -o json lists it")
    status = cli("status", scan_id)
    check(status.returncode == 0 and "e2e-python-client" in status.stdout, "cascade status SCAN shows it")
    spec_file = os.path.join(tmp, "bad.yaml")
    with open(spec_file, "w") as f:
        f.write(BAD_SPEC.format(checkpoint_dir="/tmp/x"))
    bad = cli("submit", spec_file, "--validate-only")
    check(bad.returncode == 3 and "hyperparameters.lr.minval" in bad.stderr,
          "cascade submit of a bad spec exits 3 naming the field (%d: %s)" % (bad.returncode, bad.stderr.strip()))
    missing = cli("status", "s-does-not-exist")
    check(missing.returncode == 3, "cascade status of an unknown scan exits 3 (%d)" % missing.returncode)
    canceled = cli("cancel", scan_id)
    check(canceled.returncode == 0 and "CANCELED" in canceled.stdout,
          "cascade cancel prints the new state (%s)" % (canceled.stdout + canceled.stderr).strip())
    watched = cli("watch", scan_id)
    check(watched.returncode == 1, "cascade watch of a canceled scan exits 1 (%d: %s)"
          % (watched.returncode, watched.stderr.strip()))
    env["CASCADE_TOKEN"] = secrets.token_hex(32)
    refused = cli("scans")
    check(refused.returncode == 1 and "hint" in refused.stderr, "a wrong token exits 1 with a hint")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 1
    coordinator, proto_dir = sys.argv[1], sys.argv[2]
    cascade = sys.argv[3] if len(sys.argv) > 3 else None
    if not os.access(coordinator, os.X_OK):
        print("SKIP: no cascade-coordinator binary at %s (build target cascade-coordinator)" % coordinator)
        return SKIP
    import grpc  # noqa: F401  (python3-grpcio; missing -> the test fails, it does not skip)

    tmp = tempfile.mkdtemp(prefix="cascade-e2e-")
    proc = None
    log = None
    ok = False
    try:
        gen = os.path.join(tmp, "gen")
        os.makedirs(gen)
        compile_protos(proto_dir, gen)
        sys.path.insert(0, gen)
        pb2 = importlib.import_module("cascade.v1.user_service_pb2")
        scan_pb2 = importlib.import_module("cascade.v1.scan_pb2")
        proc, port, log = start_coordinator(coordinator, tmp)
        address = "127.0.0.1:%d" % port
        channel = grpc.insecure_channel(address)
        grpc.channel_ready_future(channel).result(timeout=30)
        try:
            stub = importlib.import_module("cascade.v1.user_service_pb2_grpc").UserServiceStub(channel)
        except ImportError:
            stub = DescriptorStub(channel, pb2)
        scan_id = run_client(stub, pb2, scan_pb2, tmp)
        if cascade:
            run_cli(cascade, address, scan_id, tmp)
        channel.close()
        ok = not failures
    finally:
        if proc is not None:
            stop(proc)
        if not ok and log is not None:
            print("--- coordinator log (tail) ---\n" + open(log).read()[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
