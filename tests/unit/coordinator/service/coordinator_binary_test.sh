#!/usr/bin/env bash
# cascade-coordinator as a process: bad flags exit 2 naming the flag, unusable input files exit 3
# naming the file, and a running coordinator writes its port file and exits 0 on SIGTERM.
set -uo pipefail
BIN=$1
WORK=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
fails=0

# expect CODE PATTERN -- ARGS...: run, check exit code and that stderr+stdout match PATTERN.
expect() {
  local want=$1 pattern=$2
  shift 3
  local out rc
  out=$(timeout 30 "$BIN" "$@" 2>&1)
  rc=$?
  if [[ $rc -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: cascade-coordinator $* -> exit $rc (want $want), output:"
    echo "$out" | head -5
    fails=$((fails + 1))
  else
    echo "ok:   cascade-coordinator $* -> $rc"
  fi
}

printf 'tokens:\n  - {name: u, role: user, sha256: %s}\n' \
  "$(printf tok | sha256sum | cut -d' ' -f1)" > "$WORK/tokens.yaml"
chmod 600 "$WORK/tokens.yaml"
printf 'not a database, just text that is long enough to be read as a header..........\n' \
  > "$WORK/garbage.db"

expect 0 "cascade-coordinator [0-9]+\.[0-9]+" -- --version
expect 0 "--token-file" -- --help
expect 2 "--no-such-flag" -- --token-file "$WORK/tokens.yaml" --no-such-flag
expect 2 "--token-file" -- --state "$WORK/s.db"
expect 2 "--metrics-port" -- --token-file "$WORK/tokens.yaml" --metrics-port 70000
expect 2 "--log-level" -- --token-file "$WORK/tokens.yaml" --log-level loud
expect 2 "--tls-key" -- --token-file "$WORK/tokens.yaml" --tls-cert "$WORK/cert.pem"
expect 2 "--listen" -- --token-file "$WORK/tokens.yaml" --listen nocolon
expect 3 "$WORK/missing.yaml" -- --token-file "$WORK/missing.yaml"
expect 3 "$WORK/nodir/s.db" -- --token-file "$WORK/tokens.yaml" --state "$WORK/nodir/s.db" \
  --listen 127.0.0.1:0
expect 3 "$WORK/garbage.db" -- --token-file "$WORK/tokens.yaml" --state "$WORK/garbage.db" \
  --listen 127.0.0.1:0
expect 3 "$WORK/cert.pem" -- --token-file "$WORK/tokens.yaml" --state "$WORK/s.db" \
  --listen 127.0.0.1:0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"

# Start, wait for the port file, stop with SIGTERM: exit 0 and a JSON log line per event.
"$BIN" --token-file "$WORK/tokens.yaml" --state "$WORK/run.db" --listen 127.0.0.1:0 \
  --port-file "$WORK/port" --log-json 2> "$WORK/log" &
pid=$!
for _ in $(seq 300); do [[ -s $WORK/port ]] && break; sleep 0.1; done
if ! [[ -s $WORK/port ]] || ! [[ $(cat "$WORK/port") =~ ^[0-9]+$ ]]; then
  echo "FAIL: no port file"; fails=$((fails + 1))
fi
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [[ $rc -ne 0 ]]; then echo "FAIL: exit $rc after SIGTERM"; fails=$((fails + 1)); fi
if ! grep -q '"msg":"coordinator stopped"' "$WORK/log"; then
  echo "FAIL: no JSON stop line in the log:"; head -5 "$WORK/log"; fails=$((fails + 1))
fi
if grep -qv '^{.*}$' "$WORK/log"; then
  echo "FAIL: a log line is not one JSON object:"; grep -v '^{.*}$' "$WORK/log" | head -3
  fails=$((fails + 1))
fi

echo "$fails failure(s)"
[[ $fails -eq 0 ]]
