#!/usr/bin/env bash
# Cascade vs PyTorch on the 3DGAN, side by side: train samples/s (batch 8, 32), generation
# ms/shower (batch 1, 32, 128), GFLOP/s, peak RSS, and the ratio Cascade / PyTorch.
#
#   bench/run_model_bench.sh [BUILD_DIR] [SECONDS]      (defaults: build, 20)
#   ENV: TRAIN_BATCHES="8 32" GEN_BATCHES="1 32 128" BN_AXIS=last SKIP_TORCH=1
#
# Cascade side: $BUILD/bench/model/bench_{train,generate} --batch B --seconds S --json, each printing one
# JSON line {"impl":"cascade","what":..,"batch":..,"samples_per_s"|"ms_per_shower":..,"gflops":..,
# "peak_rss_mib":..}. PyTorch side: bench/peer_torch.py (Debian's /usr/bin/python3, 2 threads).
# Run on an otherwise idle machine; the table is only as good as the quiet it was taken in.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
seconds="${2:-20}"
train_batches="${TRAIN_BATCHES:-8 32}"
gen_batches="${GEN_BATCHES:-1 32 128}"
bn_axis="${BN_AXIS:-last}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

# Debian's torch defaults to AVX2 kernels; use AVX512 where the CPU has it (reference/env.md).
if [[ -z "${ATEN_CPU_CAPABILITY:-}" ]] && grep -qw avx512f /proc/cpuinfo; then
  export ATEN_CPU_CAPABILITY=avx512
fi

cascade_note=""
for tool in bench_train bench_generate; do
  if [[ ! -x "$build/bench/model/$tool" ]]; then
    cascade_note="Cascade binaries not found in $build/bench/model (bench_train/bench_generate): Cascade columns skipped."
  fi
done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  (nproc $(nproc))" >&2
for b in $train_batches; do
  [[ -z "$cascade_note" ]] && "$build/bench/model/bench_train" --batch "$b" --seconds "$seconds" --json | tee -a "$results"
  [[ -z "${SKIP_TORCH:-}" ]] && /usr/bin/python3 "$here/peer_torch.py" --what train --batch "$b" \
    --seconds "$seconds" --bn-axis "$bn_axis" | tee -a "$results"
done
for b in $gen_batches; do
  [[ -z "$cascade_note" ]] && "$build/bench/model/bench_generate" --batch "$b" --seconds "$seconds" --json | tee -a "$results"
  [[ -z "${SKIP_TORCH:-}" ]] && /usr/bin/python3 "$here/peer_torch.py" --what generate --batch "$b" \
    --seconds "$seconds" --bn-axis "$bn_axis" | tee -a "$results"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# The markdown table (stdlib json only, so any python3 works).
python3 - "$results" "$cascade_note" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        r = json.loads(line)
        rows[(r["what"], int(r["batch"]), r["impl"])] = r
note = sys.argv[2]
def fmt(x, nd=2):
    return "—" if x is None else f"{x:,.{nd}f}"
print("| what | batch | metric | Cascade | PyTorch | Cascade/PyTorch | GFLOP/s C / T | peak RSS MiB C / T |")
print("|---|---|---|---|---|---|---|---|")
for what, batch in sorted({(w, b) for w, b, _ in rows}, key=lambda k: (k[0] != "train", k[1])):
    c, t = rows.get((what, batch, "cascade")), rows.get((what, batch, "torch"))
    key = "samples_per_s" if what == "train" else "ms_per_shower"
    cv, tv = (c or {}).get(key), (t or {}).get(key)
    # Ratio is "how many times better Cascade is": throughput ratio, or inverse time ratio.
    ratio = None if cv is None or tv is None or cv == 0 or tv == 0 else (cv / tv if what == "train" else tv / cv)
    ratio_s = fmt(ratio) + "×" if ratio else "—"
    metric = "samples/s" if what == "train" else "ms/shower"
    print(f"| {what} | {batch} | {metric} | {fmt(cv, 3)} | {fmt(tv, 3)} | {ratio_s} | "
          f"{fmt((c or {}).get('gflops'), 1)} / {fmt((t or {}).get('gflops'), 1)} | "
          f"{fmt((c or {}).get('peak_rss_mib'), 0)} / {fmt((t or {}).get('peak_rss_mib'), 0)} |")
if note:
    print(f"\n_{note}_")
print("\nRatio > 1 means Cascade is faster (train: samples/s C/T; generate: ms/shower T/C).")
PY
