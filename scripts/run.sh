#!/usr/bin/env bash
# Builds and runs the memhp command-line tool: scripts/run.sh [memhp arguments...]
# Installs what is missing first (scripts/setup.sh). Relative paths in the arguments are
# taken from the directory run.sh was called from. MEMHP_TARGET selects another binary
# target of the cli package (default //cli:memhp).
set -euo pipefail

caller=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh

target=${MEMHP_TARGET:-//cli:memhp}
bazel build --ui_event_filters=-info --noshow_progress --show_result=0 "$target" >&2
binary="bazel-bin/${target#//}"
binary=${binary/://}
export BUILD_WORKING_DIRECTORY="$caller"
exec "$binary" "$@"
