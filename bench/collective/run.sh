#!/usr/bin/env bash
# Allreduce bus bandwidth: cascade_collective (Gloo tcp: rank-ordered, ring and ring-chunked) vs OpenMPI
# MPI_Allreduce (tcp on loopback, and its default shared-memory path) vs memcpy, at 2 and 3
# processes, for 0.3 MB / 3.5 MB / 64 MiB. Prints one table of best-of-REPEATS medians.
#   bench/collective/run.sh [BUILD_DIR=build] [REPEATS=3]
set -u
build=${1:-build} repeats=${2:-3}
bin=$build/bench/collective
[[ -x $bin/collective_gloo_bench ]] || { echo "build $bin/collective_gloo_bench first"; exit 2; }
results=$(mktemp) pids=() dirs=()
cleanup() {
  local p d
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for d in "${dirs[@]}"; do rm -rf "$d"; done
  rm -f "$results"
}
trap cleanup EXIT

gloo() {  # gloo ALGORITHM NP
  local dir r rc=0
  dir=$(mktemp -d) && dirs+=("$dir") && pids=()
  for ((r = 0; r < $2; r++)); do
    timeout -k 5 600 "$bin/collective_gloo_bench" --rank $r --world "$2" --rendezvous "file:$dir" \
      --algorithm "$1" --prefix bench &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  ((rc == 0)) || echo "gloo $1 np=$2 failed ($rc)" >&2
}

mpi() {  # mpi LABEL NP MCA-ARGS...
  local label=$1 np=$2
  shift 2
  timeout -k 5 600 mpirun --allow-run-as-root --oversubscribe -np "$np" "$@" \
    "$bin/collective_mpi_bench" "$label" || echo "mpi $label np=$np failed" >&2
}

for ((rep = 1; rep <= repeats; rep++)); do
  echo "# repeat $rep/$repeats, loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  {
    "$bin/collective_memcpy_bench"
    for np in 2 3; do
      gloo ordered $np
      gloo ring $np
      gloo ringchunked $np
      if [[ -x $bin/collective_mpi_bench ]]; then
        mpi mpi-tcp $np --mca btl tcp,self --mca btl_tcp_if_include lo
        mpi mpi-shm $np
      fi
    done
  } | grep '^RESULT' >> "$results"
done
echo "# done, loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2

cp "$results" "$build/collective_bench_results.txt"  # raw lines, kept for the record

# Best (highest busbw) of the repeats per implementation, np and size; one row per impl and np.
declare -A cell=()
while read -r impl np bytes busbw ms; do
  cell["$impl $np $bytes"]=$(printf "%.2f (%.3f)" "$busbw" "$ms")
done < <(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
                key = f["impl"] " " f["np"] " " f["bytes"]
                if (!(key in best) || f["busbw"] + 0 > best[key] + 0) {
                  best[key] = f["busbw"]; ms[key] = f["median_ms"] } }
              END { for (k in best) print k, best[k], ms[k] }' "$results")
sizes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$results" | sort -un)
rows=$(awk '{ print $2, $3 }' "$results" | sed 's/impl=//; s/np=//' | sort -u -k2,2n -k1,1)
echo "busbw GB/s (time per call ms); median of timed calls, best of $repeats runs"
printf "%-16s %3s" impl np
for b in $sizes; do printf " %18s" "$(awk -v b="$b" 'BEGIN { printf "%.1f MB", b / 1e6 }')"; done
echo
while read -r impl np; do
  printf "%-16s %3s" "$impl" "$np"
  for b in $sizes; do printf " %18s" "${cell["$impl $np $b"]:--}"; done
  echo
done <<< "$rows"
