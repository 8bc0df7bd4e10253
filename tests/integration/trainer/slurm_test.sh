#!/usr/bin/env bash
# `srun -n 2 cascade-worker --standalone` under a real single-node Slurm that this script starts
# itself (tests/testing/slurm_cluster.sh), then deploy/slurm/train.sbatch through `sbatch --wait` on
# one node. Both ranks must train and report the same state hash. If Slurm cannot start here, the
# script prints why and exits 77 (ctest SKIP_RETURN_CODE): skipped, never passed. Every daemon is
# stopped by PID on exit.
#   slurm_test.sh WORKER HELPERS
set -u
worker=$1 bin=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../testing/slurm_cluster.sh
source "$here/../../testing/slurm_cluster.sh"
S=$(mktemp -d)
cleanup() {
  slurm_cluster_stop
  [[ -n "${KEEP:-}" ]] && echo "kept $S" && return
  rm -rf "$S"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; slurm_cluster_show; exit 1; }

slurm_cluster_start "$S"
mkdir -p "$S/rdv"
# nproc alone honours OMP_NUM_THREADS (ctest runs with 1); --all counts the machine.
(( $(nproc --all) >= 2 )) || slurm_cluster_skip "srun -n 2 needs 2 CPUs, this node has $(nproc --all)"

"$bin/make_showers" "$S/data" --files 4 --events 12 || fail "make_showers"
export OMP_NUM_THREADS=1
timeout -k 5 600 srun -n 2 --cpus-per-task=1 --kill-on-bad-exit=1 "$worker" --standalone \
  --rendezvous "file:$S/rdv" --data "$S/data" --epochs 1 --batch 2 --max-steps-per-epoch 2 \
  --validation-events 0 --timeout 120 --quiet > "$S/srun.out" 2>&1
rc=$?
cat "$S/srun.out"
[[ $rc == 0 ]] || fail "srun exited $rc"
# Threads come from SLURM_CPUS_PER_TASK; rank/world/job from SLURM_PROCID/NTASKS/JOB_ID.
lines=$(grep -c '^rank [01]/2: steps 2 ' "$S/srun.out")
[[ $lines == 2 ]] || fail "want one summary line from each of 2 ranks, got $lines"
hashes=$(sed -n 's/^rank [01]\/2: .* state \([0-9a-f]*\)$/\1/p' "$S/srun.out" | sort -u)
[[ $(grep -c . <<< "$hashes") == 1 ]] || fail "ranks disagree: $hashes"
echo "srun: both ranks hold state $hashes"

# The multi-node template, shrunk to this node: 2 workers × 1 thread.
template=$(cd "$(dirname "$0")/../../../deploy/slurm" && pwd)/train.sbatch
DATA=$S/data OUT=$S/out SHARED=$S CASCADE_WORKER=$worker EPOCHS=1 BATCH=2 TIMEOUT=120 \
  EXTRA="--max-steps-per-epoch 2 --validation-events 0 --quiet --trace $S/out/trace.json" \
  timeout -k 5 600 sbatch --wait --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
  --output="$S/sbatch.out" "$template" > "$S/sbatch.submit" 2>&1
rc=$?
cat "$S/sbatch.out"
[[ $rc == 0 ]] || fail "sbatch train.sbatch exited $rc: $(cat "$S/sbatch.submit")"
tpl=$(sed -n 's/^rank [01]\/2: steps 2 .* state \([0-9a-f]*\)$/\1/p' "$S/sbatch.out" | sort | uniq -c)
[[ $(grep -c . <<< "$tpl") == 1 && $tpl == *" 2 "* ]] || fail "train.sbatch ranks: $tpl"
[[ -s "$S/out/trace.json" && -f "$S/out/ckpt-epoch-0001.h5" ]] || fail "no merged trace or checkpoint"
[[ ! -d "$S/.cascade-rendezvous/$(sed -n 's/^Submitted batch job //p' "$S/sbatch.submit")" ]] \
  || fail "rendezvous dir left behind"
echo "PASS: srun -n 2 and train.sbatch (2 workers) trained 2 steps; ranks agree ($hashes)"
