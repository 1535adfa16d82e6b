#!/usr/bin/env bash
# Installs what traces/capture/capture.sh needs to boot a kernel under QEMU, from Debian 12's
# archive (idempotent): QEMU (qemu-system-x86), a static busybox for the initramfs
# (busybox-static), cpio to pack it, kmod for depmod. Runs `apt-get update` once, and only when
# a package is missing. Works as root; otherwise uses sudo if it exists.
# The kernel itself is never installed: capture.sh fetches it with `apt-get download`.
set -euo pipefail

packages=(
  qemu-system-x86  # qemu-system-x86_64 (7.2 on Debian 12)
  busybox-static   # /bin/busybox, statically linked: the guest's whole userland
  cpio             # the initramfs archive (newc)
  kmod             # depmod, to resolve the modules' dependencies
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup.sh: all installed (${packages[*]})" >&2
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup.sh: missing packages: ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
