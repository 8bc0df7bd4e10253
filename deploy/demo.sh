#!/usr/bin/env bash
# `make demo`: Cascade's main job end to end on this machine, from a clean build:
#   1. simulate a small EleEscan dataset with the GFlash parametrisation
#   2. train the 3DGAN on it (one process; checkpoints, per-epoch physics validation)
#   3. generate showers from the trained checkpoint
#   4. validate them against held-out simulated showers (metrics.json, plots, index.html)
#   5. if CERN's trained weights are beside the repo, generate from them and validate too
# Usage: deploy/demo.sh BUILD_DIR OUT_DIR. Sizes are small so it finishes in minutes on 2 cores;
# scale them with DEMO_EVENTS / DEMO_EPOCHS / DEMO_STEPS.
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-demo-out}
EVENTS=${DEMO_EVENTS:-1200}
EPOCHS=${DEMO_EPOCHS:-2}
STEPS=${DEMO_STEPS:-15}
CASCADE="$BUILD/cli/cascade"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$OUT"
mkdir -p "$OUT"
"$CASCADE" --version

echo "== 1. simulate $EVENTS showers (GFlash, Si-W) =="
"$CASCADE" simulate --events "$EVENTS" --energy 10:500 --files 6 --seed 42 --out "$OUT/data"

echo "== 2. train: $EPOCHS epochs x $STEPS steps, batch 8 =="
"$CASCADE" train --data "$OUT/data" --epochs "$EPOCHS" --max-steps-per-epoch "$STEPS" --batch 8 \
  --validation-events 200 --out "$OUT/train"

echo "== 3. generate 400 showers from the last checkpoint =="
"$CASCADE" generate --checkpoint "$OUT/train/$(cat "$OUT/train/latest")" \
  --energies 50,100,200,400 -n 100 -o "$OUT/generated.h5"

echo "== 4. validate generated vs held-out simulated showers =="
# The 90/10 split is by file in sorted order: the last file is the held-out one.
HELD_OUT=$(ls "$OUT"/data/*.h5 | sort | tail -1)
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
echo "  checkpoints       $OUT/train/ (metrics per epoch: $OUT/train/metrics.jsonl)"
echo "  generated showers $OUT/generated.h5"
echo "  physics report    $OUT/report/index.html (metrics: $OUT/report/metrics.json)"
[[ -f "$CERN" ]] && echo "  CERN model report $OUT/report_cern/index.html"
exit 0
