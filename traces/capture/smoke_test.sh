#!/usr/bin/env bash
# CI-size smoke test of the capture harness: boots traces/capture/smoke.trace under QEMU and
# checks that the log is a complete capture (the markers, one step, '=== end capture', the
# '=== qemu' line) and, given the memhp binary, that `memhp replay` reads it (exit status 0 or
# 1, not 2 = unreadable input).
#
#   traces/capture/smoke_test.sh [PATH_TO_MEMHP]
#   bazel test //traces/capture:smoke_test     (also part of `bazel test //...`)
#
# Prints SKIP and exits 0 when qemu-system-x86_64 is not installed, or when there is neither a
# cached kernel nor a way to fetch one (capture.sh exits 3 for a missing tool or kernel).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
memhp=${1:-}
[[ -n $memhp ]] && memhp=$(cd "$(dirname "$memhp")" && pwd)/$(basename "$memhp")
tmp=${TEST_TMPDIR:-$(mktemp -d)}
log=$tmp/smoke.log

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  echo "SKIP: qemu-system-x86_64 is not installed (traces/capture/setup.sh installs it)"
  exit 0
fi

"$here/capture.sh" "$here/smoke.trace" "$log" --timeout 240
rc=$?
if [[ $rc -eq 3 ]]; then
  echo "SKIP: the capture cannot run here (see the message above): no kernel or tool"
  exit 0
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
[[ $rc -eq 0 ]] || fail "capture.sh exited with $rc"
if [[ -f $log ]]; then
  for marker in '=== memhp-capture v1' '=== snapshot boot' '=== end snapshot boot' \
    '=== snapshot after_write' '=== end capture'; do
    grep -qxF "$marker" "$log" || fail "no '$marker' line in $log"
  done
  grep -q '^=== step 1 write /sys/devices/system/memory/memory0/state offline -> rc=1 ' "$log" ||
    fail "no failed '=== step 1' line in $log"
  [[ $(tail -n 1 "$log") == '=== qemu -m 512M' ]] || fail "the last line is not '=== qemu -m 512M'"
  if [[ -n $memhp ]]; then
    "$memhp" replay "$log" >"$tmp/replay.out" 2>&1
    replay_rc=$?
    tail -n 1 "$tmp/replay.out"
    [[ $replay_rc -ne 2 ]] || fail "memhp replay cannot read the log: $(cat "$tmp/replay.out")"
  fi
else
  fail "no log written"
fi
if [[ $failures -ne 0 ]]; then
  echo "--- the log's last lines:" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
fi
echo "PASS: $log is a complete capture"
