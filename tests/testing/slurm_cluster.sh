# A private single-node Slurm for tests (source this file; bash only): munged + slurmctld + slurmd
# from Debian, every file in a directory the caller owns, ports chosen free, every daemon stopped by
# PID (reference: /work/shared/reference/env.md §5). Used by tests/integration/trainer/slurm_test.sh
# and tests/integration/slurm/pool_test.sh.
#
#   source tests/testing/slurm_cluster.sh
#   S=$(mktemp -d)
#   trap 'slurm_cluster_stop; rm -rf "$S"' EXIT
#   slurm_cluster_start "$S"          # exports SLURM_CONF; exits 77 (ctest SKIP) if Slurm cannot run
#   sbatch ... / srun ...
#
# If Slurm cannot start here (tools missing, not root, daemons fail, node never idle),
# slurm_cluster_start prints "SKIP: <why>" and exits 77: the test is skipped, never passed.
# SLURM_CLUSTER_EXTRA_CONF: more slurm.conf lines (e.g. "KillWait=30") appended before the node.
# SLURM_CLUSTER_CPUS: CPUs of the node (default: every CPU of the machine, `nproc --all`; plain
# nproc honours OMP_NUM_THREADS, which ctest sets to 1).

SLURM_CLUSTER_DIR=""
SLURM_CLUSTER_PIDS=()

slurm_cluster_skip() {
  echo "SKIP: $*"
  exit 77
}

# Prints the tail of every daemon log (for a failure message).
slurm_cluster_show() {
  local f
  [[ -n "$SLURM_CLUSTER_DIR" ]] || return 0
  for f in "$SLURM_CLUSTER_DIR"/*.log "$SLURM_CLUSTER_DIR"/*.out "$SLURM_CLUSTER_DIR"/munge/munged.log; do
    [[ -f $f ]] && { echo "== $f"; tail -20 "$f"; }
  done
}

slurm_cluster_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# slurm_cluster_start DIR: the cluster lives in DIR/slurm. Exports SLURM_CONF.
slurm_cluster_start() {
  local base=$1 tool
  for tool in munged slurmctld slurmd srun sbatch squeue scancel sinfo; do
    command -v "$tool" > /dev/null || slurm_cluster_skip "$tool not installed (deploy/install-deps.sh)"
  done
  [[ $(id -u) == 0 ]] || slurm_cluster_skip "the daemons need root here (SlurmUser=root)"
  local S=$base/slurm
  SLURM_CLUSTER_DIR=$S
  mkdir -p "$S/munge" "$S/munge-run" "$S/state" "$S/spool"
  chmod 700 "$S/munge"
  # munged refuses a socket directory that is not world-executable (env.md §5).
  chmod 755 "$base" "$S" "$S/munge-run"
  dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$S/munge/munge.key"
  munged --socket="$S/munge-run/munge.socket" --key-file="$S/munge/munge.key" \
    --log-file="$S/munge/munged.log" --pid-file="$S/munge-run/munged.pid" \
    --seed-file="$S/munge/munged.seed" \
    || slurm_cluster_skip "munged did not start: $(tail -3 "$S/munge/munged.log" 2> /dev/null)"

  cat > "$S/slurm.conf" << CONF
ClusterName=cascadetest
SlurmctldHost=localhost
SlurmctldPort=$(slurm_cluster_free_port)
SlurmdPort=$(slurm_cluster_free_port)
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
${SLURM_CLUSTER_EXTRA_CONF:-}
NodeName=localhost CPUs=${SLURM_CLUSTER_CPUS:-$(nproc --all)} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$S/slurm.conf
  # -D (foreground) + '&' so the PID is ours to stop.
  slurmctld -D -i -f "$SLURM_CONF" > "$S/slurmctld.out" 2>&1 &
  SLURM_CLUSTER_PIDS+=($!)
  slurmd -D -f "$SLURM_CONF" > "$S/slurmd.out" 2>&1 &
  SLURM_CLUSTER_PIDS+=($!)
  local _
  for _ in $(seq 300); do
    [[ $(sinfo -h -o %T 2> /dev/null) == idle ]] && return 0
    sleep 0.1
  done
  slurm_cluster_show
  slurm_cluster_skip "Slurm did not reach idle: $(sinfo 2>&1 | tail -1)"
}

# PIDs of the slurmstepd processes of this cluster: slurmd forks one per job step and they
# outlive it, so they are found by the SLURM_CONF (a path unique to this cluster) they inherit.
slurm_cluster_step_pids() {
  local conf=$SLURM_CLUSTER_DIR/slurm.conf f p
  for f in /proc/[0-9]*/cmdline; do
    p=${f#/proc/}
    p=${p%/cmdline}
    [[ $(tr -d '\0' < "$f" 2> /dev/null) == slurmstepd* ]] || continue
    tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qxF "SLURM_CONF=$conf" && echo "$p"
  done
}

# Cancels every job of this private cluster and waits (up to 60 s: KillWait is 30 s) until they
# are gone, so no job step outlives the daemons; then stops the daemons and any step left over by
# PID (TERM, then KILL after 5 s). Safe to call twice, or when start never ran.
slurm_cluster_stop() {
  local p _
  [[ -n "$SLURM_CLUSTER_DIR" ]] || return 0
  if [[ -n "${SLURM_CONF:-}" ]] && scancel --quiet --user=root 2> /dev/null; then
    for _ in $(seq 120); do
      [[ -z $(squeue -h -o %i 2> /dev/null) ]] && break
      sleep 0.5
    done
  fi
  local -a pids=("${SLURM_CLUSTER_PIDS[@]}")
  mapfile -t -O "${#pids[@]}" pids < <(slurm_cluster_step_pids)
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null
  done
  SLURM_CLUSTER_PIDS=()
  [[ -f "$SLURM_CLUSTER_DIR/munge-run/munged.pid" ]] \
    && kill "$(cat "$SLURM_CLUSTER_DIR/munge-run/munged.pid")" 2> /dev/null
  SLURM_CLUSTER_DIR=""
}

# slurm_cluster_wait_job JOBID SECONDS: waits until the job has left the queue. Returns 1 on timeout.
slurm_cluster_wait_job() {
  local job=$1 deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ -z $(squeue -h -j "$job" -o %i 2> /dev/null) ]] && return 0
    sleep 0.5
  done
  return 1
}
