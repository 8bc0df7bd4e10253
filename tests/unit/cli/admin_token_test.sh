#!/bin/bash
# `cascade admin token create|revoke|list`: the token file holds only hashes and is 0600, a new
# token is shown once (or written to a new 0600 file), names are unique, revocation sticks, and bad
# input exits non-zero naming the problem. Usage: admin_token_test.sh CASCADE_BINARY
set -euo pipefail
cascade=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

token=$("$cascade" admin token create --tokens "$dir/t.yaml" --name alice --role user --expires 90d 2>/dev/null)
[[ ${#token} -eq 64 ]] || fail "token '$token' is not 64 hex digits"
grep -q "$token" "$dir/t.yaml" && fail "the token itself was stored"
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
grep -q "sha256: $hash" "$dir/t.yaml" || fail "stored hash is not sha256(token)"
[[ $(stat -c %a "$dir/t.yaml") == 600 ]] || fail "token file mode $(stat -c %a "$dir/t.yaml")"

"$cascade" admin token create --tokens "$dir/t.yaml" --name pool --role worker --out "$dir/pool.token" 2>/dev/null
[[ $(stat -c %a "$dir/pool.token") == 600 ]] || fail "--out file is not 0600"
grep -q "sha256: $(tr -d '\n' <"$dir/pool.token" | sha256sum | cut -d' ' -f1)" "$dir/t.yaml" || fail "--out token not registered"

set +e
"$cascade" admin token create --tokens "$dir/t.yaml" --name pool --role worker 2>"$dir/err"; rc=$?
set -e
[[ $rc -ne 0 ]] && grep -q '"pool" exists' "$dir/err" || fail "duplicate name accepted (rc $rc)"
set +e
"$cascade" admin token create --tokens "$dir/t.yaml" --name x --role root 2>"$dir/err"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "bad role exit $rc"
set +e
"$cascade" admin token create --tokens "$dir/t.yaml" --name x --expires soon 2>"$dir/err"; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q -- "--expires soon" "$dir/err" || fail "bad expiry not named (rc $rc)"

"$cascade" admin token revoke --tokens "$dir/t.yaml" --name alice 2>/dev/null
"$cascade" admin token list --tokens "$dir/t.yaml" -o json | python3 -c '
import json, sys
t = {e["name"]: e for e in json.load(sys.stdin)}
assert t["alice"]["state"] == "revoked" and t["alice"]["role"] == "user", t
assert t["pool"]["state"] == "active" and t["pool"]["expires"] == "never", t
' || fail "list does not show the revocation"
set +e
"$cascade" admin token revoke --tokens "$dir/t.yaml" --name nobody 2>"$dir/err"; rc=$?
set -e
[[ $rc -eq 3 ]] && grep -q nobody "$dir/err" || fail "revoking an unknown name: rc $rc"
echo PASS
