#!/usr/bin/env bash
# Builds and runs the memhp command-line tool: scripts/run.sh [memhp arguments...]
# MEMHP_TARGET selects another binary target (default //cli:memhp).
# Note: `bazel run` starts the program in its runfiles directory; the directory run.sh was
# called from is in the environment variable BUILD_WORKING_DIRECTORY.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh

exec bazel run --ui_event_filters=-info --noshow_progress --show_result=0 \
  "${MEMHP_TARGET:-//cli:memhp}" -- "$@"
