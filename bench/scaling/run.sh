#!/usr/bin/env bash
# Data-parallel scaling on one machine: samples/s of 2 workers × 1 thread vs 1 worker × 1 thread,
# same per-worker batch; efficiency = T2 / (2·T1). Each worker is pinned to its own core (taskset)
# and traced (--trace); summarize.py takes the steady state (steps after the warm-up) from the
# traces, so process start, rendezvous and the first step's page faults are excluded.
#   bench/scaling/run.sh BUILD_DIR [REPEATS=3] [STEPS=12] [BATCH=8]
# Prints one table row per repeat and the best/median; records `uptime` around every run because
# the efficiency is meaningless on a busy machine (2 workers need 2 idle cores).
set -eu
build=$(cd "$1" && pwd) repeats=${2:-3} steps=${3:-12} batch=${4:-8}
worker=$build/worker/cascade-worker
here=$(cd "$(dirname "$0")" && pwd)
(( $(nproc --all) >= 2 )) || { echo "needs 2 cores"; exit 1; }
dir=$(mktemp -d)
declare -a kids=()
trap 'for p in "${kids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
# Enough events for 2 × batch × (steps + warm-up) in one epoch, 1 of 5 files held out.
events=$(( (2 * batch * (steps + 3)) / 4 + 1 ))
"$build/cli/cascade" simulate --events $((events * 5)) --files 5 --seed 3 --out "$dir/data" \
  --threads 2 --no-progress > /dev/null
export OMP_NUM_THREADS=1 OMP_PROC_BIND=true
common=(--standalone --data "$dir/data" --epochs 1 --batch "$batch" --threads 1 --quiet
        --validation-events 0 --max-steps-per-epoch $((steps + 2)) --warmup-epochs 0 --seed 5)
run() {  # run NAME WORLD: world workers on cores 0..world-1
  local name=$1 world=$2 r
  rm -rf "$dir/rdv" && mkdir -p "$dir/rdv"
  kids=()
  for ((r = 0; r < world; r++)); do
    taskset -c "$r" "$worker" "${common[@]}" --rank "$r" --world "$world" \
      --rendezvous "file:$dir/rdv" --job "$name" --trace "$dir/$name.json" > "$dir/$name.$r.log" 2>&1 &
    kids+=($!)
  done
  for r in "${kids[@]}"; do wait "$r"; done
}
results=$dir/results.txt
for ((i = 1; i <= repeats; i++)); do
  load0=$(cut -d' ' -f1 /proc/loadavg)
  run "one$i" 1
  run "two$i" 2
  load1=$(cut -d' ' -f1 /proc/loadavg)
  python3 "$here/summarize.py" --warmup 2 --batch "$batch" --label "run $i (load $load0 -> $load1)" \
    "$dir/one$i.json" "$dir/two$i.json" | tee -a "$results"
done
python3 "$here/summarize.py" --table "$results"
