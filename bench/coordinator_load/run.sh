#!/usr/bin/env bash
# Coordinator load benchmark: starts cascade-coordinator with a throw-away token file and state,
# runs bench_coordinator_load for each N, prints one table row per N and the raw JSON lines.
# Usage: run.sh BUILD_DIR [N ...]        (default N: 1000 5000 10000)
# Env: DURATION (s, default 30), CHANNELS (16), TRIALS_PER_1000 (10: grid trials of 4 workers
#      per 1000 workers, whose rank 0 send step metrics), PORT (0 = free port).
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [N ...]}
shift
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 5000 10000)
coordinator="$build/coordinator/cascade-coordinator"
bench="$build/bench/coordinator_load/bench_coordinator_load"
for b in "$coordinator" "$bench"; do [[ -x $b ]] || { echo "missing $b" >&2; exit 2; }; done

work=$(mktemp -d)
coord_pid=
cleanup() {
  if [[ -n $coord_pid ]] && kill -0 "$coord_pid" 2>/dev/null; then
    kill -TERM "$coord_pid"; wait "$coord_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Tokens: raw strings for the clients, SHA-256 hashes in the registry (common/rpc/token_registry.h).
worker_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
user_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$worker_token" > "$work/worker.token"
printf '%s\n' "$user_token" > "$work/user.token"
chmod 600 "$work"/*.token
cat > "$work/tokens.yaml" <<YAML
tokens:
  - {name: bench-pool, role: worker, sha256: $(printf '%s' "$worker_token" | sha256sum | cut -d' ' -f1)}
  - {name: bench-user, role: user, sha256: $(printf '%s' "$user_token" | sha256sum | cut -d' ' -f1)}
YAML
chmod 600 "$work/tokens.yaml"

results=()
for n in "${sizes[@]}"; do
  rm -f "$work/state.db"* "$work/port"
  metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$coordinator" --listen "127.0.0.1:${PORT:-0}" --port-file "$work/port" \
    --state "$work/state.db" --token-file "$work/tokens.yaml" \
    --metrics-port "$metrics_port" --metrics-host 127.0.0.1 \
    --heartbeat-timeout 30 --log-level warn 2> "$work/coordinator-$n.log" &
  coord_pid=$!
  for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
  [[ -s $work/port ]] || { echo "coordinator did not start:"; cat "$work/coordinator-$n.log"; exit 1; } >&2
  trials=$(( n * ${TRIALS_PER_1000:-10} / 1000 ))
  line=$("$bench" --address "127.0.0.1:$(cat "$work/port")" \
    --worker-token-file "$work/worker.token" --user-token-file "$work/user.token" \
    --workers "$n" --channels "${CHANNELS:-16}" --duration "${DURATION:-30}" \
    --trials "$trials" --workers-per-trial 4 \
    --coordinator-pid "$coord_pid" --metrics-port "$metrics_port")
  echo "$line"
  results+=("$line")
  kill -TERM "$coord_pid"; wait "$coord_pid" || echo "coordinator exit code $?" >&2
  coord_pid=
  echo "coordinator log lines: $(grep -c . "$work/coordinator-$n.log" || true)" >&2
done

printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
cols = [("workers","N"),("alive","alive"),("register_p50_ms","reg p50 ms"),("register_p99_ms","reg p99 ms"),
        ("heartbeats_per_s","hb/s"),("hb_write_p50_ms","hb write p50 ms"),("hb_write_p99_ms","hb write p99 ms"),
        ("probe_p50_ms","probe p50 ms"),("probe_p99_ms","probe p99 ms"),("coordinator_cpu_percent","coord CPU %")]
server = [("server_heartbeat", "server hb p99"), ("server_probe", "server probe p99"),
          ("server_register", "server reg p99")]
print("| " + " | ".join(c[1] for c in cols + server) + " |")
print("|" + "---|" * (len(cols) + len(server)))
for r in rows:
    cells = [("%.2f" % r[k]) if isinstance(r[k], float) else str(r[k]) for k, _ in cols]
    cells += [("<= %g ms" % r[k]["p99_le_ms"]) if r.get(k) else "-" for k, _ in server]
    print("| " + " | ".join(cells) + " |")
'
