#!/usr/bin/env bash
# A worker pool started by deploy/slurm/workers.sbatch under a real single-node Slurm
# (tests/testing/slurm_cluster.sh), serving a real cascade-coordinator on 127.0.0.1:
#   1. the pool (2 workers x 1 thread) registers; `cascade workers` shows the Slurm job id;
#   2. a small scan (tiny model) runs to COMPLETED on it;
#   3. a second scan: once its trial has a checkpoint, `scancel --signal=TERM` drains the pool
#      (what --signal=TERM@N does before a time limit). Each worker must exit 0 within the
#      template's drain window, deregister (GONE or DRAINING in `cascade workers`, not LOST), and
#      hand its trial back: not FAILED, not finished by the draining pool, not charged to
#      max_restarts;
#   4. a second pool picks the trial up in a new group and the scan COMPLETES.
# Outcomes are checked, not timings, except the drain window, which is the template's contract.
# If Slurm cannot start here the script exits 77 (ctest SKIP). Every process is stopped by PID.
#   pool_test.sh CASCADE CASCADE_COORDINATOR CASCADE_WORKER
set -u
cli=$1 coordinator_bin=$2 worker_bin=$3
here=$(cd "$(dirname "$0")" && pwd)
template=$(cd "$here/../../../deploy/slurm" && pwd)/workers.sbatch
# shellcheck source=../../testing/slurm_cluster.sh
source "$here/../../testing/slurm_cluster.sh"
for b in "$cli" "$coordinator_bin" "$worker_bin"; do
  [[ -x $b ]] || slurm_cluster_skip "$b is not built"
done
command -v jq > /dev/null || slurm_cluster_skip "jq not installed (deploy/install-deps.sh)"

S=$(mktemp -d)
coordinator_pid=""
cleanup() {
  slurm_cluster_stop  # cancels the pools first
  if [[ -n $coordinator_pid ]]; then
    kill "$coordinator_pid" 2> /dev/null
    for _ in $(seq 50); do kill -0 "$coordinator_pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$coordinator_pid" 2> /dev/null
  fi
  [[ -n "${KEEP:-}" ]] && echo "kept $S" && return
  rm -rf "$S"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  local f
  for f in "$S"/coordinator.log "$S"/pool*.out; do
    [[ -f $f ]] && { echo "== $f"; tail -40 "$f"; }
  done
  slurm_cluster_show
  exit 1
}
# poll SECONDS WHAT CMD...: runs CMD every 0.5 s until it succeeds; fails the test on timeout.
poll() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for $what"
    [[ -n $coordinator_pid ]] && ! kill -0 "$coordinator_pid" 2> /dev/null \
      && fail "the coordinator exited while waiting for $what"
    sleep 0.5
  done
}

slurm_cluster_start "$S"
(($(nproc --all) >= 2)) || slurm_cluster_skip "a pool of 2 workers needs 2 CPUs, this node has $(nproc --all)"
export OMP_NUM_THREADS=1
unset CASCADE_CONFIG CASCADE_TOKEN

# --- coordinator and tokens --------------------------------------------------------------------
"$cli" admin token create --tokens "$S/tokens.yaml" --name alice --role user \
  --out "$S/user.token" || fail "token create (user)"
"$cli" admin token create --tokens "$S/tokens.yaml" --name pool --role worker \
  --out "$S/worker.token" || fail "token create (worker)"
# A long re-attach grace: a worker that exits without deregistering stays LOST for the whole
# test instead of turning GONE by itself, so step 3 sees what a drain really reports.
"$coordinator_bin" --listen 127.0.0.1:0 --port-file "$S/port" --state "$S/state.db" \
  --token-file "$S/tokens.yaml" --heartbeat-timeout 10 --reattach-grace 600 \
  --checkpoint-root "$S/checkpoints" > "$S/coordinator.log" 2>&1 &
coordinator_pid=$!
poll 60 "the coordinator's port file" test -s "$S/port"
export CASCADE_COORDINATOR=127.0.0.1:$(cat "$S/port")
export CASCADE_TOKEN_FILE=$S/user.token  # the CLI's; the pools get the worker token below

# start_pool NAME: sbatch workers.sbatch with 2 workers x 1 thread; prints the job id.
start_pool() {
  CASCADE_TOKEN_FILE=$S/worker.token CASCADE_WORKER=$worker_bin \
    CASCADE_DATA_CACHE=$S/data-cache CASCADE_WORKER_ARGS="--timeout 60" \
    sbatch --parsable --ntasks-per-node=2 --cpus-per-task=1 --output="$S/$1.out" \
    "$template" "$CASCADE_COORDINATOR"
}
workers_json() { "$cli" workers "$@" -o json; }
# pool_workers JOB STATE...: how many workers of Slurm job JOB are in one of the states.
pool_workers() {
  local job=$1
  shift
  workers_json --state idle --state busy --state draining --state lost --state gone \
    | jq --arg job "$job" --args '[.workers[] | select(.info.slurm_job_id == $job)
        | select(.state as $s | $ARGS.positional | index($s))] | length' "$@"
}
have_workers() { [[ $(pool_workers "$1" WORKER_STATE_IDLE WORKER_STATE_BUSY) == "$2" ]]; }

spec() {  # spec NAME LRS EPOCHS RESOURCES
  cat << YAML
name: $1
data:
  simulate: {events: 120, files: 3, seed: 3, energy_range_gev: [10, 200]}
model: {filters: tiny}
hyperparameters:
  lr: {type: categorical, vals: [$2]}
  batch_per_worker: 2
searcher: {name: grid}
resources: $4
checkpoint: {dir: $S/checkpoints/$1}
training: {steps_per_epoch: 3, validation_events: 16}
epochs: $3
seed: 5
YAML
}
scan_state() { "$cli" status "$1" -o json | jq -r .scan.state; }
trial_json() { "$cli" trials "$1" -o json | jq -c '.trials[0]'; }

# --- 1. the pool registers with its Slurm job id -----------------------------------------------
job1=$(start_pool pool1) || fail "sbatch workers.sbatch: $job1"
echo "pool 1: Slurm job $job1"
poll 300 "2 workers of job $job1 in \`cascade workers\`" have_workers "$job1" 2
workers_json | jq -c --arg job "$job1" '.workers[] | select(.info.slurm_job_id == $job)
  | {id, host: .info.hostname, slurm_job_id: .info.slurm_job_id, procid: .info.slurm_procid,
     cpus: .info.cpus, state}'
procids=$(workers_json | jq -r --arg job "$job1" \
  '[.workers[] | select(.info.slurm_job_id == $job) | .info.slurm_procid] | sort | join(",")')
[[ $procids == "0,1" ]] || fail "pool 1 workers report SLURM_PROCID $procids, want 0,1"
cpus=$(workers_json | jq -r --arg job "$job1" \
  '[.workers[] | select(.info.slurm_job_id == $job) | .info.cpus] | unique | join(",")')
[[ $cpus == 1 ]] || fail "pool 1 workers report cpus $cpus, want 1 (--cpus-per-task=1)"

# --- 2. a small scan completes on the pool -----------------------------------------------------
spec pool-scan-1 "1.0e-3, 2.0e-3" 2 "{min_workers: 1, max_workers: 2}" > "$S/scan1.yaml"
scan1=$("$cli" submit "$S/scan1.yaml") || fail "submit scan 1: $scan1"
timeout -k 5 1200 "$cli" watch "$scan1" > "$S/watch1.out" 2>&1 \
  || fail "scan $scan1 did not complete: $(tail -5 "$S/watch1.out"); state $(scan_state "$scan1")"
done1=$("$cli" trials "$scan1" -o json | jq '[.trials[] | select(.state == "TRIAL_STATE_COMPLETED")] | length')
[[ $done1 == 2 ]] || fail "scan $scan1: $done1 of 2 trials COMPLETED"
echo "scan $scan1: COMPLETED on pool 1 (2 trials)"

# --- 3. drain the pool mid-trial ---------------------------------------------------------------
# 8 epochs: finishing the whole trial is several epochs more work than handing it back.
spec pool-scan-2 "1.0e-3" 8 "{workers_per_trial: 2}" > "$S/scan2.yaml"
scan2=$("$cli" submit "$S/scan2.yaml") || fail "submit scan 2: $scan2"
checkpointed() {
  local t
  t=$(trial_json "$scan2")
  [[ $(jq -r .state <<< "$t") == TRIAL_STATE_RUNNING && -n $(jq -r '.latest_checkpoint.path // empty' <<< "$t") ]]
}
poll 900 "scan 2's trial RUNNING with a checkpoint" checkpointed
before=$(trial_json "$scan2")
echo "before the drain: $(jq -c '{id, state, epochs_completed, max_epochs, generation, restarts}' <<< "$before")"
trial2=$(jq -r .id <<< "$before")
gen_before=$(jq -r '.generation // 0' <<< "$before")
restarts_before=$(jq -r '.restarts // 0' <<< "$before")
window=$(sed -n 's/^#SBATCH --signal=TERM@\([0-9]*\).*/\1/p' "$template")
[[ -n $window ]] || fail "$template has no #SBATCH --signal=TERM@N line"

scancel --signal=TERM "$job1" || fail "scancel --signal=TERM $job1"
drain_start=$SECONDS
# The template's contract: SIGTERM at N s before the limit must be enough to leave cleanly.
slurm_cluster_wait_job "$job1" "$window" \
  || fail "pool 1 still running ${window}s after SIGTERM (the template's drain window):" \
    "the workers did not drain in time"
echo "pool 1 left the queue $((SECONDS - drain_start))s after SIGTERM"
grep -q '^cascade-workers: srun exited 0$' "$S/pool1.out" \
  || fail "pool 1: srun did not exit 0: $(grep -E 'srun|exit' "$S/pool1.out" | tail -5)"
drained=$(grep -c 'drained' "$S/pool1.out")
[[ $drained -ge 2 ]] || fail "pool 1: $drained of 2 workers logged a drain"

# Deregistered: GONE (or still DRAINING), never left behind as LOST, IDLE or BUSY.
states=$(workers_json --state idle --state busy --state draining --state lost --state gone \
  | jq -r --arg job "$job1" '[.workers[] | select(.info.slurm_job_id == $job) | .state] | sort | join(",")')
echo "pool 1 workers after the drain: $states"
[[ $(pool_workers "$job1" WORKER_STATE_GONE WORKER_STATE_DRAINING) == 2 ]] \
  || fail "pool 1 workers did not deregister after draining (states: $states)"

after=$(trial_json "$scan2")
echo "after the drain: $(jq -c '{id, state, epochs_completed, max_epochs, generation, restarts}' <<< "$after")"
state_after=$(jq -r .state <<< "$after")
case $state_after in
  TRIAL_STATE_FAILED) fail "trial $trial2 FAILED when its workers drained" ;;
  TRIAL_STATE_COMPLETED)
    fail "trial $trial2 was trained to its end by the draining pool instead of being handed back" \
      "(SIGTERM must stop at a step, checkpoint and release the trial)" ;;
  TRIAL_STATE_PENDING | TRIAL_STATE_RUNNING) ;;
  *) fail "trial $trial2 is $state_after after the drain" ;;
esac
[[ $(scan_state "$scan2") == SCAN_STATE_RUNNING ]] || fail "scan $scan2 is $(scan_state "$scan2")"

# --- 4. a new pool finishes the scan -----------------------------------------------------------
job2=$(start_pool pool2) || fail "sbatch workers.sbatch (pool 2): $job2"
echo "pool 2: Slurm job $job2"
timeout -k 5 1200 "$cli" watch "$scan2" > "$S/watch2.out" 2>&1 \
  || fail "scan $scan2 did not complete: $(tail -5 "$S/watch2.out"); state $(scan_state "$scan2")"
final=$(trial_json "$scan2")
echo "final: $(jq -c '{id, state, epochs_completed, max_epochs, generation, restarts}' <<< "$final")"
[[ $(jq -r .state <<< "$final") == TRIAL_STATE_COMPLETED ]] || fail "trial $trial2 not COMPLETED"
[[ $(jq -r .epochs_completed <<< "$final") == 8 ]] || fail "trial $trial2: epochs $(jq -r .epochs_completed <<< "$final") of 8"
(($(jq -r '.generation // 0' <<< "$final") > gen_before)) \
  || fail "trial $trial2 finished in generation $(jq -r .generation <<< "$final"): not re-formed on pool 2"
# A drain is not a failure: it must not use up the scan's max_restarts (pools that rotate through
# Slurm time limits would otherwise fail their trials after max_restarts rotations).
(($(jq -r '.restarts // 0' <<< "$final") == restarts_before)) \
  || fail "trial $trial2: the drain was charged as a restart ($(jq -r .restarts <<< "$final") > $restarts_before)"
# The trial went on from its checkpoint in a group of pool 2's workers.
pool2_ids=$(workers_json | jq -c --arg job "$job2" '[.workers[] | select(.info.slurm_job_id == $job) | .id]')
last_group=$(jq -c '.generations[-1].worker_ids // []' <<< "$final")
[[ $(jq -n --argjson g "$last_group" --argjson p "$pool2_ids" '($g | length) > 0 and ($g - $p | length) == 0') == true ]] \
  || fail "trial $trial2's last group $last_group is not made of pool 2's workers $pool2_ids"
later=$("$cli" metrics "$trial2" --kind step -o json \
  | jq --argjson g "$gen_before" '[.records[] | select((.step.generation // 0) > $g)] | length')
((later > 0)) || fail "no step metrics of trial $trial2 after generation $gen_before"

scancel --signal=TERM "$job2"
slurm_cluster_wait_job "$job2" "$window" || fail "pool 2 did not drain within ${window}s"
grep -q '^cascade-workers: srun exited 0$' "$S/pool2.out" || fail "pool 2: srun did not exit 0"
echo "PASS: workers.sbatch pool registered (job $job1), ran scan $scan1, drained on SIGTERM" \
  "(trial $trial2 handed back), pool $job2 finished scan $scan2"
