#!/usr/bin/env bash
# Multi-process collective tests on loopback with a file rendezvous in a fresh mktemp dir.
#   multiproc.sh DRIVER agree WORLD ALGORITHM   every rank exits 0 with the same checksum
#   multiproc.sh DRIVER kill  WORLD ALGORITHM   rank 1 is SIGKILLed mid-allreduce; every other
#                                               rank must exit 4 naming "lost peer rank 1"
# Every child runs under timeout(1) and is SIGKILLed on any exit path, so a failure never
# leaves processes behind. Time is only used as generous upper bounds.
set -u
driver=$1 mode=$2 world=$3 algorithm=$4
dir=$(mktemp -d)
declare -a wrappers=()
cleanup() {
  local p r w
  for w in "${wrappers[@]}"; do kill -9 "$w" 2>/dev/null; done
  for ((r = 0; r < world; r++)); do
    p=$(sed -n 's/^pid //p' "$dir/rank$r.log" 2>/dev/null | head -1)
    [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null
  done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/rank*.log; do echo "== $f"; cat "$f"; done; exit 1; }

if [[ $mode == agree ]]; then
  iterations=3 count=100003 timeout_ms=20000
else
  iterations=0 count=1000000 timeout_ms=3000
fi
for ((r = 0; r < world; r++)); do
  timeout -k 5 120 "$driver" --rank "$r" --world "$world" --rendezvous "file:$dir" \
    --algorithm "$algorithm" --count "$count" --iterations "$iterations" \
    --timeout-ms "$timeout_ms" --prefix "test/gen/0" > "$dir/rank$r.log" 2>&1 &
  wrappers+=($!)
done

if [[ $mode == agree ]]; then
  for ((r = 0; r < world; r++)); do
    wait "${wrappers[$r]}"; rc=$?
    [[ $rc == 0 ]] || fail "rank $r exited $rc"
  done
  sums=$(cat "$dir"/rank*.log | sed -n 's/^rank [0-9]* checksum //p' | sort -u)
  [[ $(grep -c . <<< "$sums") == 1 && -n "$sums" ]] || fail "ranks disagree: $sums"
  echo "PASS: $world ranks agree, checksum $sums"
  exit 0
fi

# kill: wait until every rank has completed an allreduce, so the kill lands mid-loop.
for ((i = 0; i < 600; i++)); do
  ready=0
  for ((r = 0; r < world; r++)); do grep -q "iteration 0 ok" "$dir/rank$r.log" && ((ready++)); done
  ((ready == world)) && break
  sleep 0.1
done
((ready == world)) || fail "ranks never started allreducing"
victim=$(sed -n 's/^pid //p' "$dir/rank1.log" | head -1)
kill -9 "$victim"
start=$(date +%s)
for ((r = 0; r < world; r++)); do
  ((r == 1)) && continue
  wait "${wrappers[$r]}"; rc=$?
  [[ $rc == 4 ]] || fail "rank $r exited $rc, want 4 (Unavailable); >128 means a signal"
  grep -q "UNAVAILABLE: rank $r of $world: allreduce failed: lost peer rank 1;" "$dir/rank$r.log" \
    || fail "rank $r did not name dead rank 1"
done
elapsed=$(($(date +%s) - start))
((elapsed < 60)) || fail "survivors took ${elapsed}s"
echo "PASS: survivors of $world returned Unavailable naming rank 1 after ${elapsed}s"
grep -h "error" "$dir"/rank*.log
