#!/bin/sh
# Regenerates traces/corpus/real/*.trace from ../shared/real-logs.
set -e
M=${M:-bazel-bin/cli/memhp}
R=${R:-../shared/real-logs}
O=traces/corpus/real
while read -r log geometry profile; do
  case "$log" in ''|'#'*) continue ;; esac
  "$M" import-dmesg --geometry "$geometry" --profile "$profile" \
    "$R/$log.txt" "$O/$log.trace"
done <<'LIST'
boot-002-gce-vm-2node-fakenuma-6.11 x86_64 v7.1
boot-003-msi-alpha15-laptop-6.17 x86_64 v7.1
boot-005-lenovo-30bf-workstation-5.19 x86_64 v6.1
boot-006-dell-precision-t3600-6.4 x86_64 v6.1
boot-008-wsl2-hyperv-5.18 x86_64 v6.1
boot-010-qemu-i440fx-x86_64-5.13 x86_64 v6.1
boot-011-arm64-fvp-base-revc-5.19 arm64-4k v6.1
boot-012-arm64-juno-r2-5.18 arm64-4k v6.1
boot-013-arm64-qcom-sm8550-hdk-6.11 arm64-4k v7.1
boot-015-ppc64-powermac-g5-6.6 ppc64 v6.1
boot-016-riscv-polarfire-icicle-6.2 riscv64 v6.1
boot-018-arm64-amlogic-s905x-cc-6.2 arm64-4k v6.1
boot-019-ppc64-power9-powernv-2node-6.6 ppc64 v6.1
boot-020-ppc64le-power10-pseries-lpar-6.9 ppc64 v6.1
boot-021-supermicro-x11ssh-lava-6.2 x86_64 v6.1
LIST
