#!/usr/bin/env bash
# Bad invocations of `cascade` fail with the documented exit code and a message that names the
# offending flag, file or value; every subcommand answers --help.
set -uo pipefail
CASCADE=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fails=0

# expect CODE PATTERN -- ARGS...: run, check exit code and that stderr+stdout match PATTERN.
expect() {
  local want=$1 pattern=$2
  shift 3
  local out rc
  out=$("$CASCADE" "$@" 2>&1)
  rc=$?
  if [[ $rc -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: cascade $* -> exit $rc (want $want), output:"
    echo "$out" | head -5
    fails=$((fails + 1))
  else
    echo "ok:   cascade $* -> $rc"
  fi
}

printf 'not an hdf5 file\n' > "$WORK/bogus.h5"
head -c 3000 /dev/urandom > "$WORK/random.h5"

for sub in "train" "generate" "simulate" "validate" "model summary"; do
  expect 0 "Usage" -- $sub --help
done
expect 0 '"total": 872736' -- model summary -o json
expect 2 "no-such-flag" -- train --data "$WORK/bogus.h5" --out "$WORK/t" --no-such-flag
expect 2 "filters" -- model summary --filters 7
expect 2 "required" -- generate -o "$WORK/out.h5"
expect 2 "energies" -- generate --keras-weights "$WORK/bogus.h5" --energies 10,abc -o "$WORK/o.h5"
expect 3 "bogus.h5" -- generate --keras-weights "$WORK/bogus.h5" -o "$WORK/o.h5"
expect 3 "random.h5" -- generate --checkpoint "$WORK/random.h5" -o "$WORK/o.h5"
expect 3 "bogus.h5" -- train --data "$WORK/bogus.h5" --out "$WORK/train"
# Service commands: hermetic (no user config or env), a port where nothing listens.
unset CASCADE_COORDINATOR CASCADE_TOKEN CASCADE_TOKEN_FILE CASCADE_TLS_CA CASCADE_CONFIG
export HOME="$WORK"
for sub in submit scans status watch trials metrics best cancel pause resume workers; do
  expect 0 "--coordinator" -- $sub --help
done
NOBODY=127.0.0.1:1
expect 3 "$WORK/no-token" -- scans --coordinator $NOBODY --token-file "$WORK/no-token"
expect 4 "cannot reach the coordinator at $NOBODY" -- scans --coordinator $NOBODY --token t
expect 4 "$NOBODY" -- watch s-1 --coordinator $NOBODY --token t
expect 3 "$WORK/missing.yaml" -- submit "$WORK/missing.yaml" --coordinator $NOBODY --token t
expect 2 "excludes" -- scans --token t --token-file "$WORK/t"
expect 2 "csv" -- metrics t-1 -o xml
printf 'coordinatr: x\n' > "$WORK/typo.yaml"
CASCADE_CONFIG="$WORK/typo.yaml" expect 3 "coordinatr: unknown key" -- scans
CASCADE_CONFIG="$WORK/none.yaml" expect 3 "$WORK/none.yaml" -- scans

[[ ! -e "$WORK/o.h5" ]] || { echo "FAIL: a failed generate left an output file"; fails=$((fails + 1)); }

echo "$((fails)) failed"
exit $((fails > 0))
