#!/usr/bin/env bash
# Builds and runs all tests: scripts/test.sh [bazel flags...] [target patterns...]
#   scripts/test.sh                      # bazel test //...
#   scripts/test.sh --config=asan        # with AddressSanitizer (also: --config=ubsan)
#   scripts/test.sh //model/...          # only some targets
# Flags must be given in --flag=value form. The last line of output is always
# "N passed, N failed", counted from Bazel's per-test results; a target that fails to
# build counts as failed. The exit code is Bazel's.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

flags=()
targets=()
for a in "$@"; do
  case "$a" in
    //* | -//* | @* | :*) targets+=("$a") ;;
    *) flags+=("$a") ;;
  esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=(//...)

log=$(mktemp)
trap 'rm -f "$log"' EXIT

bazel test \
  --noshow_progress --show_result=0 \
  --test_summary=short --keep_going \
  "${flags[@]}" -- "${targets[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Bazel's results. Per-test summary lines, e.g.
#   //model:foo_test                    PASSED in 0.1s
#   //model:bar_test           (cached) PASSED in 0.1s
#   //model:baz_test                    FAILED in 2 out of 2 in 0.3s
#   //model:qux_test                    FLAKY, failed in 1 out of 2 in 0.3s
#   //model:slow_test                   TIMEOUT in 60.0s
#   //model:y_test                      FAILED TO BUILD
# and the closing line
#   Executed 3 out of 9 tests: 2 tests pass, 6 fail to build, 1 fails locally and 1 was skipped.
# Bazel lists at most 5 "FAILED TO BUILD" tests and no "NO STATUS" (not run) tests, so the
# totals of the closing line win when it is there: failed = tests - passing tests.
out=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log")
label='^(@[^/ ]*)?//[^ ]*[ ]+(\(cached\) )?'
passed=$(grep -cE "${label}(PASSED|FLAKY)" <<<"$out")
failed=$(grep -cE "${label}(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|REMOTE FAILURE)" <<<"$out")
executed=$(grep -E '^Executed [0-9]+ out of [0-9]+ tests?: ' <<<"$out" | tail -n 1)
if [[ -n $executed ]]; then
  total=$(sed -E 's/^Executed [0-9]+ out of ([0-9]+) .*/\1/' <<<"$executed")
  passed=$(grep -oE '[0-9]+ tests? pass' <<<"$executed" | grep -oE '^[0-9]+' || echo 0)
  failed=$((total - passed))
fi

# Exit codes 0 (all passed) and 4 (no test targets) are not failures; any other is, even
# when Bazel printed no result (e.g. a BUILD file error stops it before any test).
if [[ $rc -ne 0 && $rc -ne 4 && $failed -eq 0 ]]; then
  failed=1
fi
echo "${passed} passed, ${failed} failed"
exit "$rc"
