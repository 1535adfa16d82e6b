#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian 12's archive (idempotent).
# Runs apt-get (and `apt-get update`) only when a package is missing.
# Works as root; otherwise uses sudo if it exists.
set -euo pipefail

packages=(
  bazel-bootstrap   # Bazel 4.2.3 (/usr/bin/bazel)
  bazel-platforms   # @platforms (/usr/share/bazel/tools/platforms)
  g++               # gcc 12, with ASan/UBSan runtimes
  pkg-config
  clang-format
  libabsl-dev
  libgtest-dev
  libgmock-dev
  librapidcheck-dev
  libfmt-dev
  libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup.sh: missing packages: ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
