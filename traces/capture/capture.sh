#!/usr/bin/env bash
# capture.sh SCENARIO.trace OUT.log [--kernel bzImage --modules DIR] [--timeout S] [-v]
# Records the real kernel running a memhp scenario under QEMU: see traces/capture/README.md
# and `capture.sh --help`. The work is done by capture.py (Python 3, standard library only).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=$(command -v python3 || true)
[[ -n $py ]] || py=/usr/bin/python3
exec "$py" "$here/capture.py" "$@"
