#!/usr/bin/env bash
# `make demo`: the main job, end to end, on this machine. Grows as capabilities land.
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-demo-out}
mkdir -p "$OUT"
"$BUILD/cli/cascade" --version
echo "demo: results in $OUT"
