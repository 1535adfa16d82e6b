#!/usr/bin/env bash
# End-to-end checks of the memhp binary: the default run, a bad flag, bad and
# missing layout files, and relative paths under bazel run's working directory.
# Usage: memhp_test.sh PATH_TO_MEMHP
set -uo pipefail

# Absolute, since one check runs from another directory.
memhp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run ARGS...: sets $rc, $out, $err.
run() {
  "$memhp" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

expect_rc() {
  [[ $rc -eq $1 ]] || fail "$2: exit code $rc, want $1 (stderr: $err)"
}
expect_contains() {  # HAYSTACK NEEDLE WHAT
  [[ $1 == *"$2"* ]] || fail "$3: no '$2' in: $1"
}

# No arguments: show on the bundled default layout, from any directory.
(cd / && "$memhp" >"$tmp/out" 2>"$tmp/err")
rc=$?
out=$(cat "$tmp/out")
err=$(cat "$tmp/err")
expect_rc 0 "no arguments"
expect_contains "$out" "pfn_valid" "no arguments"
expect_contains "$out" "node   0: [mem 0x0000000100000000-0x000000013fffffff]" \
  "no arguments"
[[ -z $err ]] || fail "no arguments: unexpected stderr: $err"

run --help
expect_rc 0 "--help"
expect_contains "$out" "usage: memhp" "--help"

# A bad flag: exit 2 and one line naming it.
run --bogus-flag
expect_rc 2 "bad flag"
expect_contains "$err" "--bogus-flag" "bad flag"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "bad flag: stderr is not one line: $err"
[[ -z $out ]] || fail "bad flag: unexpected stdout: $out"

run frobnicate
expect_rc 2 "unknown verb"
expect_contains "$err" "unknown command 'frobnicate'" "unknown verb"

run --geometry vax
expect_rc 2 "unknown geometry"
expect_contains "$err" "unknown geometry 'vax'" "unknown geometry"

run --profile v2.6
expect_rc 2 "unknown profile"
expect_contains "$err" "unknown kernel profile 'v2.6'" "unknown profile"

run --toggle no-such-bug
expect_rc 2 "unknown toggle"
expect_contains "$err" "unknown bug toggle 'no-such-bug'" "unknown toggle"

# A bad layout file: exit 2 naming file:line:col.
printf '# a layout\n  node   0: [mem 0x0000000000001000-0x000000000009efzz]\n' \
  >"$tmp/bad.txt"
run show --layout "$tmp/bad.txt"
expect_rc 2 "bad layout"
expect_contains "$err" "$tmp/bad.txt:2:37: expected a hex address" "bad layout"

# Relative paths resolve against BUILD_WORKING_DIRECTORY (bazel run).
BUILD_WORKING_DIRECTORY=$tmp run --layout bad.txt
expect_rc 2 "relative bad layout"
expect_contains "$err" "memhp: bad.txt:2:37: " "relative bad layout"

printf '  node   0: [mem 0x0000000000000000-0x0000000007ffffff]\n' >"$tmp/good.txt"
BUILD_WORKING_DIRECTORY=$tmp run --layout good.txt --profile v7.1
expect_rc 0 "relative good layout"
expect_contains "$out" "PRESENT|HAS_MEM_MAP|ONLINE|EARLY" "relative good layout"

run --layout "$tmp/missing.txt"
expect_rc 2 "missing layout"
expect_contains "$err" "cannot read file '$tmp/missing.txt': No such file or directory" \
  "missing layout"

run --layout "$tmp"
expect_rc 2 "directory as layout"
expect_contains "$err" "Is a directory" "directory as layout"

# The bundled layout has 4 KiB pages; other page sizes need --layout.
run --geometry arm64-64k
expect_rc 2 "default layout on 64K pages"
expect_contains "$err" "cli/default-layout.txt:5:18: expected a page-aligned start address" \
  "default layout on 64K pages"

# replay: the imported p1 boot matches; a wrong expectation exits 1 with the
# mismatch; a malformed trace exits 2 naming file:line:col.
p1_trace=$(find -L . -path '*traces/corpus/p1-boot-4g.trace' | head -n 1)
run replay "$p1_trace"
expect_rc 0 "replay p1"
expect_contains "$out" "74 expectations, 74 matched, 0 mismatched" "replay p1"

sed 's/spanned=4095/spanned=4096/' "$p1_trace" >"$tmp/wrong.trace"
# p2: a cold-plugged DIMM onlined and offlined block by block matches, and
# the invariant registry holds after every step.
p2_trace=$(find -L . -path '*traces/corpus/p2-dimm-online-offline.trace' | head -n 1)
run replay "$p2_trace"
expect_rc 0 "replay p2"
expect_contains "$out" "199 expectations, 199 matched, 0 mismatched" "replay p2"

# A wrong errno expectation after a refused write.
cat > "$tmp/errno.trace" <<'TRACE'
memhp-trace v1
geometry x86_64
profile v6.1
e820 0x0000000000000000-0x000000000009fbff usable
e820 0x0000000000100000-0x000000007fffffff usable

boot

write /sys/devices/system/memory/memory0/state offline
expect errno EBUSY
TRACE
run replay "$tmp/errno.trace"
expect_rc 1 "replay errno"
expect_contains "$out" "got:      expect errno EINVAL" "replay errno"

run invariants
expect_rc 0 "invariants"
expect_contains "$out" "ZONE-2  " "invariants"

run replay "$tmp/wrong.trace"
expect_rc 1 "replay wrong"
expect_contains "$out" "wrong.trace:17: mismatch" "replay wrong"
expect_contains "$out" "74 expectations, 73 matched, 1 mismatched" "replay wrong"
run replay --json "$tmp/wrong.trace"
expect_rc 1 "replay wrong json"
expect_contains "$out" '"mismatched":1' "replay wrong json"

printf 'memhp-trace v1\ngeometry x86_64\nprofile v9.9\n' >"$tmp/bad.trace"
run replay "$tmp/bad.trace"
expect_rc 2 "replay malformed"
expect_contains "$err" "bad.trace:3:" "replay malformed"

run replay
expect_rc 2 "replay without files"

# boot: kernel views of the trace's machine.
run boot --view zoneinfo --view iomem "$p1_trace"
expect_rc 0 "boot p1"
expect_contains "$out" "        present  3998" "boot p1"
expect_contains "$out" "100000000-13fffffff : System RAM" "boot p1"
run boot --view nosuch "$p1_trace"
expect_rc 2 "boot bad view"
expect_contains "$err" "unknown view 'nosuch'" "boot bad view"

# boot on p3: the dax stack of the v6.1 profile.
p3_trace=$(find -L . -path "*traces/corpus/p3-hmem-kmem.trace" | head -n 1)
run boot --view dax "$p3_trace"
expect_rc 0 "boot p3 dax"
expect_contains "$out" "dax0.0 driver=device_dax size=536870912 target_node=0 align=2097152 resource=0x120000000" "boot p3 dax"
run boot --view daxctl "$p3_trace"
expect_rc 0 "boot p3 daxctl"
expect_contains "$out" '"chardev":"dax0.0",' "boot p3 daxctl"
expect_contains "$out" '"path":"\/platform\/hmem.0",' "boot p3 daxctl"
run invariants
expect_contains "$out" "DAX-4  " "invariants dax"

# pagetables: the 1G device-dax discussion's table, computed.
run pagetables
expect_rc 0 "pagetables"
expect_contains "$out" "120,000 GiB" "pagetables 4K"
expect_contains "$out" "240,000 MiB" "pagetables 2M"
expect_contains "$out" "480,000 KiB" "pagetables 1G"
run pagetables --processes 1 --bytes 1G
expect_rc 0 "pagetables 1G"
expect_contains "$out" "262,144" "pagetables 1G"
run pagetables --bytes 99999999E
expect_rc 2 "pagetables overflow"
expect_contains "$err" "flag '--bytes' wants a size" "pagetables overflow"
run pagetables --processes=ten
expect_rc 2 "pagetables bad count"
expect_contains "$err" "--processes" "pagetables bad count"

# lsmem's own options for the lsmem view.
run boot --view lsmem --lsmem "-o RANGE,STATE,NODE,ZONES -a" "$p2_trace"
expect_rc 0 "boot lsmem -o"
expect_contains "$out" "0x0000000100000000-0x0000000107ffffff offline    0 Normal/Movable" "boot lsmem -o"
run boot --view lsmem --lsmem "-o NOPE" "$p2_trace"
expect_rc 2 "boot lsmem bad column"
expect_contains "$err" "--lsmem: unknown column: NOPE" "boot lsmem bad column"
[[ $out == "" ]] || fail "boot lsmem bad column: printed before the error: $out"

# diff: a recorded run against the model; a wrong profile diverges.
run diff --log "$p2_trace"
expect_rc 0 "diff p2"
expect_contains "$out" "kernel and model agree" "diff p2"
run diff --log "$p2_trace" --profile v5.3
expect_rc 1 "diff p2 v5.3"
expect_contains "$out" "first divergence: " "diff p2 v5.3"
expect_contains "$out" "zone=Movable" "diff p2 v5.3"
run diff --log "$p2_trace" --toggle no-such-toggle
expect_rc 2 "diff bad toggle"
expect_contains "$err" "no-such-toggle" "diff bad toggle"
run diff
expect_rc 2 "diff without scenario"
MEMHP_CAPTURE_SH=/nonexistent/capture.sh run capture a.trace b.log
expect_rc 2 "capture without script"
expect_contains "$err" "cannot run /nonexistent/capture.sh" "capture without script"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all memhp checks passed"
