#!/usr/bin/env bash
# Re-records every scenario of the corpus: traces/corpus/kernel-6.1/scenarios/NAME.trace ->
# traces/corpus/kernel-6.1/NAME.log, one at a time (each boot takes ~11-30 s under TCG; do not
# run captures in parallel on a small machine).
#
#   traces/capture/recapture-all.sh [--only GLOB] [CAPTURE OPTIONS...]
#
# --only GLOB re-records the scenarios whose name matches GLOB (e.g. 'hmem-*'). Other options go
# to capture.sh (e.g. --kernel bzImage --modules DIR to record a corpus of your own kernel into
# a different directory: set MEMHP_CORPUS_OUT=DIR). A scenario whose capture fails is reported,
# its old log is kept and the partial one is left in a temporary directory; the exit status is 1
# if any failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=$root/traces/corpus/kernel-6.1
out_dir=${MEMHP_CORPUS_OUT:-$corpus}
only='*'
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --only) only=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
mkdir -p "$out_dir"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/memhp-recapture.XXXXXX")
failed=()
count=0
start=$(date +%s)
for scenario in "$corpus"/scenarios/*.trace; do
  name=$(basename "$scenario" .trace)
  # shellcheck disable=SC2053
  [[ $name == $only ]] || continue
  count=$((count + 1))
  tmp="$scratch/$name.log"
  echo "== $name" >&2
  if "$here/capture.sh" "$scenario" "$tmp" "${args[@]}"; then
    mv "$tmp" "$out_dir/$name.log"
  else
    echo "FAILED: $name (log kept as $tmp)" >&2
    failed+=("$name")
  fi
done
rmdir "$scratch" 2>/dev/null
echo "recapture-all: $count scenarios in $(( $(date +%s) - start )) s, ${#failed[@]} failed${failed[*]:+: ${failed[*]}}" >&2
[[ ${#failed[@]} -eq 0 ]]
