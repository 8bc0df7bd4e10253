#!/usr/bin/env bash
# `srun -n 2 cascade-worker --standalone` under a real single-node Slurm that this script starts
# itself, then deploy/slurm/train.sbatch through `sbatch --wait` on one node (munged + slurmctld + slurmd from Debian, everything in a fresh mktemp dir, free ports;
# env.md §5). Both ranks must train and report the same state hash. If Slurm cannot start here, the
# script prints why and exits 77 (ctest SKIP_RETURN_CODE): skipped, never passed. Every daemon is
# stopped by PID on exit.
#   slurm_test.sh WORKER HELPERS
set -u
worker=$1 bin=$2
skip() { echo "SKIP: $*"; exit 77; }
for tool in munged slurmctld slurmd srun sinfo; do
  command -v "$tool" > /dev/null || skip "$tool not installed (deploy/install-deps.sh)"
done
[[ $(id -u) == 0 ]] || skip "the daemons need root here (SlurmUser=root)"
S=$(mktemp -d)
declare -a pids=()
cleanup() {
  local p
  [[ -n "${SLURM_CONF:-}" ]] && scancel --quiet --user=root 2> /dev/null
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null
  done
  [[ -f "$S/munge-run/munged.pid" ]] && kill "$(cat "$S/munge-run/munged.pid")" 2> /dev/null
  [[ -n "${KEEP:-}" ]] && echo "kept $S" && return
  rm -rf "$S"
}
trap cleanup EXIT
show() { for f in "$S"/*.log "$S"/*.out "$S"/munge/munged.log; do [[ -f $f ]] && { echo "== $f"; tail -20 "$f"; }; done; }
fail() { echo "FAIL: $*"; show; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$S/munge" "$S/munge-run" "$S/state" "$S/spool" "$S/rdv"
chmod 700 "$S/munge"
chmod 755 "$S" "$S/munge-run"
dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$S/munge/munge.key"
munged --socket="$S/munge-run/munge.socket" --key-file="$S/munge/munge.key" \
  --log-file="$S/munge/munged.log" --pid-file="$S/munge-run/munged.pid" \
  --seed-file="$S/munge/munged.seed" || skip "munged did not start: $(tail -3 "$S/munge/munged.log" 2>/dev/null)"

cat > "$S/slurm.conf" <<CONF
ClusterName=cascadetest
SlurmctldHost=localhost
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge-run/munge.socket
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs=$(nproc --all) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$S/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$S/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$S/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  [[ $(sinfo -h -o %T 2> /dev/null) == idle ]] && break
  sleep 0.1
done
[[ $(sinfo -h -o %T 2> /dev/null) == idle ]] || { show; skip "Slurm did not reach idle: $(sinfo 2>&1 | tail -1)"; }
# nproc alone honours OMP_NUM_THREADS (ctest runs with 1); --all counts the machine.
(( $(nproc --all) >= 2 )) || skip "srun -n 2 needs 2 CPUs, this node has $(nproc --all)"

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
