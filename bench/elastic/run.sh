#!/usr/bin/env bash
# Recovery of elastic groups, measured: runs the fault-injection scenarios of
# tests/integration/elastic (SIGKILL over SEEDS seeds, plus hang, join, partition) against a build
# and prints the table that docs/reliability.md records (recovery median/max, steps lost, runs
# passed). Usage: bench/elastic/run.sh BUILD [SEEDS]
set -uo pipefail
build=${1:?usage: run.sh BUILD [SEEDS]}
seeds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
test=$here/../../tests/integration/elastic/elastic_test.py
results=$(mktemp /tmp/cascade-elastic-XXXX.jsonl)
runs=0
passed=0
for scenario in $(seq -f "kill-%g" 1 "$seeds") hang join partition below-min coordinator-kill; do
  runs=$((runs + 1))
  if CASCADE_ELASTIC_RESULTS=$results /usr/bin/python3 "$test" "$build" "$scenario" \
      >"$results.$scenario.log" 2>&1; then
    passed=$((passed + 1))
    echo "PASS $scenario"
  else
    rc=$?
    [[ $rc == 77 ]] && { echo "SKIP $scenario"; runs=$((runs - 1)); continue; }
    echo "FAIL $scenario (log: $results.$scenario.log)"
  fi
done
/usr/bin/python3 "$here/summarize.py" "$results"
echo "runs passed: $passed of $runs   (raw results: $results)"
