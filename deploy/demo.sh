#!/usr/bin/env bash
# `make demo`: Cascade's main job end to end on this machine, as a user runs it on a cluster:
#   1. simulate a small EleEscan dataset with the GFlash parametrisation
#   2. start the service on localhost: tokens, a coordinator, 2 workers
#   3. submit a scan (4 trials: learning rate x batch, grid searcher) and watch it to the end
#   4. print the best trial (by the sampling-fraction MRE), generate showers from its checkpoint
#      and write its physics validation report against held-out showers
#   5. if CERN's trained weights are beside the repo, generate from them and validate too
# Usage: deploy/demo.sh BUILD_DIR OUT_DIR. Sizes are small so it finishes in minutes on 2 cores
# (the `tiny` model variant: every layer and shape of the 3DGAN with a few filters each); scale
# with DEMO_EVENTS / DEMO_EPOCHS / DEMO_STEPS / DEMO_FILTERS=original.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
OUT=${2:-demo-out}
EVENTS=${DEMO_EVENTS:-1200}
EPOCHS=${DEMO_EPOCHS:-3}
STEPS=${DEMO_STEPS:-25}
FILTERS=${DEMO_FILTERS:-tiny}
CASCADE="$BUILD/cli/cascade"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$OUT"
mkdir -p "$OUT/service"
OUT=$(cd "$OUT" && pwd)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$CASCADE" --version

echo "== 1. simulate $EVENTS showers (GFlash, Si-W) =="
"$CASCADE" simulate --events "$EVENTS" --energy 10:500 --files 6 --seed 42 --out "$OUT/data"
FILES=($(ls "$OUT"/data/*.h5 | sort))
HELD_OUT=${FILES[-1]}  # the last file is the held-out validation file

echo "== 2. start a coordinator and 2 workers on localhost =="
S="$OUT/service"
"$CASCADE" admin token create --tokens "$S/tokens.yaml" --name demo-user --role user --out "$S/user.token"
"$CASCADE" admin token create --tokens "$S/tokens.yaml" --name demo-pool --role worker --out "$S/worker.token"
"$BUILD/coordinator/cascade-coordinator" --listen 127.0.0.1:0 --port-file "$S/port" \
  --state "$S/state.db" --token-file "$S/tokens.yaml" --checkpoint-root "$OUT" \
  >"$S/coordinator.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do [[ -s "$S/port" ]] && break; sleep 0.1; done
[[ -s "$S/port" ]] || { echo "coordinator did not start:"; cat "$S/coordinator.log"; exit 1; }
export CASCADE_COORDINATOR="127.0.0.1:$(cat "$S/port")" CASCADE_TOKEN_FILE="$S/user.token"
for w in 1 2; do
  OMP_NUM_THREADS=1 "$BUILD/worker/cascade-worker" --token-file "$S/worker.token" --threads 1 \
    --data-cache "$OUT/data-cache" >"$S/worker-$w.log" 2>&1 &
  PIDS+=($!)
done
echo "coordinator on $CASCADE_COORDINATOR, workers logging to $S/worker-*.log"

echo "== 3. submit a 4-trial scan ($FILTERS model, $EPOCHS epochs x $STEPS steps) and watch it =="
train_list=$(printf '"%s", ' "${FILES[@]:0:${#FILES[@]}-1}")
cat >"$OUT/scan.yaml" <<SPEC
name: demo-lr-batch
data:
  train: [${train_list%, }]
  validation: ["$HELD_OUT"]
model: {filters: $FILTERS}
hyperparameters:
  lr: {type: categorical, vals: [0.001, 0.002]}
  batch_per_worker: {type: categorical, vals: [4, 8]}
searcher: {name: grid, metric: sampling_fraction_mre, smaller_is_better: true}
resources: {min_workers: 1, max_workers: 2, max_concurrent_trials: 2}
checkpoint: {dir: checkpoints, keep_latest: 1, keep_best: 1}
training: {steps_per_epoch: $STEPS, validation_events: 200}
epochs: $EPOCHS
seed: 42
SPEC
SCAN=$("$CASCADE" submit "$OUT/scan.yaml" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["scan"]["id"])')
"$CASCADE" watch "$SCAN"
"$CASCADE" trials "$SCAN"

echo "== 4. the best trial, showers from its checkpoint, and its physics report =="
"$CASCADE" best "$SCAN" | tee "$OUT/best.txt"
CKPT=$("$CASCADE" best "$SCAN" -o json | python3 -c '
import json, sys
b = json.load(sys.stdin)
print((b.get("best_checkpoint") or b["trial"].get("latest_checkpoint") or {}).get("path", ""))')
[[ -f "$CKPT" ]] || { echo "best trial has no checkpoint file ($CKPT)"; exit 1; }
"$CASCADE" generate --checkpoint "$CKPT" --energies 50,100,200,400 -n 100 -o "$OUT/generated.h5"
"$CASCADE" validate --reference "$HELD_OUT" --candidate "$OUT/generated.h5" --report "$OUT/report"

CERN="$ROOT/../shared/3dgan_artifacts/veganweights__params_generator_epoch_049.hdf5"
if [[ -f "$CERN" ]]; then
  echo "== 5. CERN's trained 3DGAN (2017 weights) vs the simulation =="
  "$CASCADE" generate --keras-weights "$CERN" --energies 50,100,200,400 -n 100 -o "$OUT/cern_generated.h5"
  "$CASCADE" validate --reference "$HELD_OUT" --candidate "$OUT/cern_generated.h5" --report "$OUT/report_cern"
fi

echo
echo "demo finished. Results:"
echo "  dataset           $OUT/data/"
echo "  scan              $SCAN (spec $OUT/scan.yaml; service state $S/state.db, logs $S/*.log)"
echo "  best trial        $OUT/best.txt (checkpoint $CKPT)"
echo "  generated showers $OUT/generated.h5"
echo "  physics report    $OUT/report/index.html (metrics: $OUT/report/metrics.json)"
[[ -f "$CERN" ]] && echo "  CERN model report $OUT/report_cern/index.html"
exit 0
