#!/bin/bash
# `cascade completion bash` completes subcommands and flags of the real command tree, and the zsh
# form loads through bashcompinit. Usage: completion_test.sh CASCADE_BINARY
set -euo pipefail
script=$(mktemp)
trap 'rm -f "$script"' EXIT
"$1" completion bash >"$script"
complete_words() {  # words typed so far (the last one is being completed)
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cascade; echo "${COMPREPLY[*]}"' \
    _ "$script" "$@"
}
expect() { local got; got=$(complete_words "${@:2}"); [[ " $got " == *" $1 "* ]] || { echo "FAIL: '${*:2}' -> '$got' lacks '$1'"; exit 1; }; }
expect submit cascade sub
expect token cascade admin to
expect create cascade admin token cr
expect --validate-only cascade submit --val
expect --checkpoint cascade generate --check
expect --tokens cascade admin token create --tok
# Flags of one command are not offered for another.
[[ $(complete_words cascade scans --val) == "" ]] || { echo "FAIL: scans offered --validate-only"; exit 1; }
zsh_script=$("$1" completion zsh)
grep -q bashcompinit <<<"$zsh_script" || { echo "FAIL: zsh script lacks bashcompinit"; exit 1; }
if command -v zsh >/dev/null; then zsh -c "$("$1" completion zsh)" || { echo "FAIL: zsh"; exit 1; }; fi
echo PASS
