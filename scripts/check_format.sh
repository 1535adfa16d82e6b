#!/usr/bin/env bash
# Bazel test: every C++ source given as data is clang-format clean (Google style,
# as .clang-format says). Prints the files that are not, with the diff.
set -uo pipefail
command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 1; }
bad=0
checked=0
while IFS= read -r -d '' f; do
  checked=$((checked + 1))
  if ! clang-format --style=Google --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not clang-format clean: ${f#./}"
    diff <(cat "$f") <(clang-format --style=Google "$f") | head -20
    bad=$((bad + 1))
  fi
done < <(find -L . \( -name '*.cc' -o -name '*.h' \) -print0)
echo "${checked} files checked, ${bad} not formatted"
[[ $checked -gt 0 && $bad -eq 0 ]]
