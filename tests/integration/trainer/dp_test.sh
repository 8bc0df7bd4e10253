#!/usr/bin/env bash
# Data-parallel training with real cascade-worker processes on loopback; file rendezvous in a fresh
# mktemp dir, Gloo picks its own free ports.
#   dp_test.sh WORKER HELPERS agree WORLD   WORLD ranks train K steps; every rank's final state (weights,
#                                    BN buffers, optimizer) is bit-identical, and bit-identical to a
#                                    one-process ghost-batch run of the same global batch (see below)
#   dp_test.sh WORKER HELPERS kill WORLD    rank 1 is SIGKILLed after every rank finished a step; every
#                                    other rank must exit 4 naming "lost peer rank 1" in time
#   dp_test.sh WORKER HELPERS regroup WORLD WORLD ranks train to step 2 (checkpoint), then WORLD-1
#                                    ranks resume from it — only rank 0 is given the checkpoint, the
#                                    others start empty and get everything from rank 0's broadcast —
#                                    and train on; the result is bit-identical to one process doing
#                                    --ghost-batches WORLD, then --ghost-batches WORLD-1 from its own
#                                    step-2 checkpoint (the data cursor is rebased, loader_cursor.h)
# Optional 5th argument: the group's --algorithm (default: the worker's, `ordered`); with `ring` the
# agree mode is expected to FAIL at 3 ranks (docs/distributed-training.md) — kept for measuring.
# WORKER is cascade-worker; the HELPERS dir holds make_showers and compare_states. Every child runs under
# timeout(1) and is SIGKILLed on any exit path (the "launcher kills stragglers"); time is only
# used as generous upper bounds, never to pass.
set -u
worker=$1 bin=$2 mode=$3 world=$4 algorithm=${5:-}
dir=$(mktemp -d)
declare -a wrappers=()
cleanup() {
  local w p f
  for w in "${wrappers[@]}"; do kill -9 "$w" 2>/dev/null; done
  for f in "$dir"/*.log; do
    p=$(sed -n 's/^pid //p' "$f" 2>/dev/null | head -1)
    [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null
  done
  [[ -n "${KEEP:-}" ]] && echo "kept $dir" && return
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }

export OMP_NUM_THREADS=1
"$bin/make_showers" "$dir/data" --files 4 --events 24 || fail "make_showers"
mkdir -p "$dir/rdv"
common=(--standalone --data "$dir/data" --epochs 1 --threads 1 --validation-events 0 --quiet
        --warmup-epochs 1 --seed 7)
group_flags=()
[[ -n $algorithm ]] && group_flags=(--algorithm "$algorithm")
# launch NAME ARGS...: one process in the background, its pid first in NAME.log
launch() {
  local name=$1; shift
  timeout -k 5 600 bash -c 'echo "pid $$"; exec "$@"' _ "$worker" "$@" \
    > "$dir/$name.log" 2>&1 &
  wrappers+=($!)
}

if [[ $mode == agree ]]; then
  steps=${STEPS:-2}
  for ((r = 0; r < world; r++)); do
    launch "rank$r" "${common[@]}" "${group_flags[@]}" --rank "$r" --world "$world" \
      --rendezvous "file:$dir/rdv" --batch 2 --max-steps-per-epoch $steps --timeout 120 --dump-state "$dir/group" \
      --trace "$dir/trace.json"
  done
  launch reference "${common[@]}" --world 1 --ghost-batches "$world" --batch 2 \
    --max-steps-per-epoch $steps --dump-state "$dir/reference"
  for ((r = 0; r <= world; r++)); do
    wait "${wrappers[$r]}"; rc=$?
    [[ $rc == 0 ]] || fail "process $r exited $rc"
  done
  hashes=$(sed -n 's/^rank [0-9]*\/'"$world"': .* state \([0-9a-f]*\)$/\1/p' "$dir"/rank*.log | sort -u)
  [[ $(grep -c . <<< "$hashes") == 1 ]] || fail "ranks report different state hashes: $hashes"
  files=()
  for ((r = 0; r < world; r++)); do files+=("$dir/group/rank$r.h5"); done
  # Bit-identical to the reference, for any WORLD: the group's default allreduce (`ordered`,
  # docs/collective.md) sums every element in rank order x_0 + x_1 + ... + x_{W-1}, exactly the
  # order in which the reference adds its ghost micro-batches' gradients and BN statistics, and
  # both then scale by the same float 1/W. compare_states checks the max over elements of
  # |a - b| / max(|b|, 1e-30); rtol 0 makes that bitwise equality, which is the 1e-5 the issue
  # asks for with no margin spent. Element-wise rather than per-tensor L2, because RMSprop's first
  # steps turn a last-bit difference of a near-zero gradient into a full ±lr·sqrt(10) step on a
  # few elements, which a large tensor's norm would hide (Gloo's ring, whose chunks start at
  # different ranks, measured 2e-4 per-tensor L2 after 2 steps at 3 ranks;
  # docs/distributed-training.md).
  rtol=0
  "$bin/compare_states" "${files[@]}" --reference "$dir/reference/rank0.h5" --rtol $rtol \
    || fail "states differ"
  # The merged trace holds every rank's step phases.
  for ((r = 0; r < world; r++)); do
    grep -q "\"name\":\"step\",\"ph\":\"X\",\"pid\":$r" "$dir/trace.json" || fail "no rank $r in trace"
  done
  grep -q '"cat":"allreduce"' "$dir/trace.json" || fail "no allreduce phases in the trace"
  echo "PASS: $world ranks bit-identical after $steps steps (state $hashes), match the ghost-batch reference"
  exit 0
fi

if [[ $mode == regroup ]]; then
  small=(--filters tiny --batch 2 --checkpoint-every 2)
  after=$((world - 1))
  for ((r = 0; r < world; r++)); do
    out=(); ((r == 0)) && out=(--out "$dir/before")
    launch "before$r" "${common[@]}" "${small[@]}" --rank "$r" --world "$world" \
      --rendezvous "file:$dir/rdv" --max-steps-per-epoch 3 --timeout 120 "${out[@]}"
  done
  launch ghost_before "${common[@]}" "${small[@]}" --world 1 --ghost-batches "$world" \
    --max-steps-per-epoch 3 --out "$dir/ghost_before"
  for w in "${wrappers[@]}"; do
    wait "$w"; rc=$?
    [[ $rc == 0 ]] || fail "a process before the regroup exited $rc"
  done
  wrappers=()
  for f in before/ckpt-step-00000002.h5 ghost_before/ckpt-step-00000002.h5; do
    [[ -f $dir/$f ]] || fail "no $f"
  done
  mkdir -p "$dir/rdv2"
  for ((r = 0; r < after; r++)); do
    resume=(); ((r == 0)) && resume=(--resume "$dir/before/ckpt-step-00000002.h5")
    launch "after$r" "${common[@]}" "${small[@]}" --rank "$r" --world "$after" \
      --rendezvous "file:$dir/rdv2" --max-steps-per-epoch 6 --timeout 120 "${resume[@]}" \
      --dump-state "$dir/group"
  done
  launch ghost_after "${common[@]}" "${small[@]}" --world 1 --ghost-batches "$after" \
    --max-steps-per-epoch 6 --resume "$dir/ghost_before/ckpt-step-00000002.h5" \
    --dump-state "$dir/reference"
  for w in "${wrappers[@]}"; do
    wait "$w"; rc=$?
    [[ $rc == 0 ]] || fail "a process after the regroup exited $rc"
  done
  grep -q "steps 4 " "$dir/after0.log" || fail "the regrouped rank 0 did not run steps 3..6"
  files=()
  for ((r = 0; r < after; r++)); do files+=("$dir/group/rank$r.h5"); done
  "$bin/compare_states" "${files[@]}" --reference "$dir/reference/rank0.h5" --rtol 0 \
    || fail "states differ"
  echo "PASS: $world ranks to step 2, then $after ranks (rank 1.. joined empty) == ghost $world -> ghost $after"
  exit 0
fi

# kill: many steps, batch 1; rank 1 dies once every rank has traced a finished step.
for ((r = 0; r < world; r++)); do
  launch "rank$r" "${common[@]}" --rank "$r" --world "$world" --rendezvous "file:$dir/rdv" \
    --batch 1 --timeout 10 --trace "$dir/trace.json"
done
for ((i = 0; i < 3000; i++)); do
  ready=0
  for ((r = 0; r < world; r++)); do
    grep -q '"name":"step"' "$dir/trace.json.rank$r.json" 2>/dev/null && ((ready++))
  done
  ((ready == world)) && break
  sleep 0.1
done
((ready == world)) || fail "ranks never finished a step"
victim=$(sed -n 's/^pid //p' "$dir/rank1.log" | head -1)
kill -9 "$victim"
start=$(date +%s)
for ((r = 0; r < world; r++)); do
  ((r == 1)) && continue
  wait "${wrappers[$r]}"; rc=$?
  [[ $rc == 4 ]] || fail "rank $r exited $rc, want 4 (Unavailable); >128 means a signal"
  grep -q "cascade-worker rank $r/$world: .*lost peer rank 1" "$dir/rank$r.log" \
    || fail "rank $r did not name dead rank 1"
done
elapsed=$(($(date +%s) - start))
((elapsed < 60)) || fail "survivors took ${elapsed}s (timeout 10 s)"
echo "PASS: survivors of $world exited 4 naming rank 1 after ${elapsed}s"
grep -h "lost peer" "$dir"/rank*.log
