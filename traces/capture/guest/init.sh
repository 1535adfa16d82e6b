#!/bin/busybox sh
# shellcheck shell=sh disable=SC3060  # busybox ash: ${v// /,} is supported
# /init of the capture initramfs (traces/capture/capture.py builds it): mounts the pseudo file
# systems, loads the dax and nvdimm modules listed in /modules.list (in order), runs the
# scenario (/scenario.sh, generated from the trace) and prints capture-log v1
# (../../../shared/ORACLE.md) on the console, then powers off.
#
# /scenario.sh calls three helpers:
#   snap LABEL           a snapshot: zoneinfo, iomem, memory blocks, dax devices, new dmesg
#   w PATH VALUE         a sysfs write (no newline added) and its "=== step" line
#   dimm add ID SIZE [node=N] [addr=A] | dimm remove ID
#                        asks the host (second serial port, /dev/ttyS1) to hot-add or
#                        hot-remove a pc-dimm through QMP and waits for its answer
#
# Console hygiene: the kernel prints on the same serial port. Every block of our output is
# written while the console loglevel is lowered to 1 (kernel lines logged meanwhile stay in the
# log buffer and show up in the next snapshot's dmesg section), and we let the UART drain
# before the level goes back up, so a kernel line never lands inside one of our lines. Before a
# snapshot and before a step line we wait until the kernel log has been quiet for a while, so
# the messages a step causes reach the console (and the right snapshot) first.
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
exec 9>/dev/console   # our capture-log lines go here (see emit)

M=/sys/devices/system/memory
n=0          # the last step number
seen=0       # dmesg lines already shown in a snapshot
tmp=/tmp/out

# The console loglevel the kernel was booted with (loglevel=7), restored after each output.
level=$(cut -f1 /proc/sys/kernel/printk)

# settle [QUIET_TICKS]: waits until `dmesg | wc -l` has not changed for QUIET_TICKS
# consecutive 0.1 s ticks (default 3), at most 15 s.
settle() {
  want=${1:-3}
  prev=-1
  quiet=0
  i=0
  while [ $i -lt 150 ]; do
    cur=$(dmesg | wc -l)
    if [ "$cur" = "$prev" ]; then
      quiet=$((quiet + 1))
      [ $quiet -ge "$want" ] && return 0
    else
      quiet=0
    fi
    prev=$cur
    i=$((i + 1))
    sleep 0.1
  done
}

# emit FILE: copies FILE to the console with the kernel's console output held back.
emit() {
  dmesg -n 1
  cat "$1" >&9
  sleep 0.2   # the UART drains its transmit buffer (at most 4 KiB) well within this
  dmesg -n "$level"
}

# say TEXT: one line of ours on the console.
say() {
  printf '%s\n' "$*" >$tmp.say
  emit $tmp.say
}

# The memory block directories in numeric order.
blocks() {
  ls $M | sed -n 's/^memory\([0-9][0-9]*\)$/\1/p' | sort -n
}

snap() {
  settle 5
  {
    echo "=== snapshot $1"
    echo "--- /proc/zoneinfo"
    grep -E '^Node |^ +(spanned|present|managed) |^ +start_pfn:' /proc/zoneinfo
    echo "--- /proc/iomem"
    cat /proc/iomem
    echo "--- /sys/devices/system/memory"
    echo "block_size_bytes $(cat $M/block_size_bytes) auto_online_blocks $(cat $M/auto_online_blocks)"
    for i in $(blocks); do
      b=$M/memory$i
      read -r state <$b/state
      read -r phys <$b/phys_index
      zones=none
      read -r zones <$b/valid_zones 2>/dev/null
      read -r removable <$b/removable
      # The node links of the block; one that spans nodes has several: show the highest,
      # which is mem->nid (the last node registered, nodes go in increasing order).
      node=-1
      for l in $b/node[0-9]*; do
        [ -e "$l" ] && [ "${l##*/node}" -gt "$node" ] && node=${l##*/node}
      done
      echo "memory$i state=$state phys_index=$phys valid_zones=${zones// /,}" \
        "removable=$removable node=$node"
    done
    echo "--- /sys/bus/dax"
    if [ -d /sys/bus/dax/devices ]; then
      for d in $(ls /sys/bus/dax/devices | sort -V); do
        p=/sys/bus/dax/devices/$d
        drv=
        [ -e $p/driver ] && drv=$(basename "$(readlink $p/driver)")
        echo "$d driver=$drv size=$(cat $p/size) target_node=$(cat $p/target_node)" \
          "align=$(cat $p/align) resource=$(cat $p/resource)"
      done
    fi
    echo "--- dmesg"
    dmesg >$tmp.dmesg
    total=$(wc -l <$tmp.dmesg)
    tail -n +$((seen + 1)) $tmp.dmesg
    echo "=== end snapshot $1"
  } >$tmp.snap 2>&1
  seen=$total
  emit $tmp.snap
}

w() {
  n=$((n + 1))
  # dd, not a shell redirection: its messages end in strerror() text for every failure
  # ("dd: can't open 'PATH': Permission denied", "dd: error writing 'PATH': Invalid argument"),
  # which is what the importer turns into an errno. One write(2) of the whole value.
  err=$(printf '%s' "$2" | dd of="$1" bs=4096 conv=notrunc status=none 2>&1)
  rc=$?
  [ $rc -ne 0 ] && rc=1
  err=$(printf '%s' "$err" | tr '\n' ' ')
  settle 3
  say "=== step $n write $1 $2 -> rc=$rc $err"
}

dimm() {
  n=$((n + 1))
  if [ ! -c /dev/ttyS1 ]; then
    say "=== step $n dimm $* -> rc=1 no control port /dev/ttyS1"
    return
  fi
  printf 'dimm %s\n' "$*" >&3
  reply=
  read -r reply <&3
  case "$reply" in
    ok*) rc=0; err= ;;
    *) rc=1; err=${reply#err } ;;
  esac
  settle 5
  say "=== step $n dimm $* -> rc=$rc $err"
}

# The control port to the host (only present when the scenario hot-plugs DIMMs at run time).
if [ -c /dev/ttyS1 ] && [ -e /ctl ]; then
  stty -F /dev/ttyS1 raw -echo 2>/dev/null
  exec 3<>/dev/ttyS1
fi

# kmsg TEXT...: a message of ours in the kernel log ("memhp-capture: TEXT"), so that it shows
# as a kernel line (the only kind of foreign line a capture log may hold) and in the next
# snapshot's dmesg section.
kmsg() {
  printf '<4>memhp-capture: %s\n' "$(printf '%s' "$*" | tr '\n' ' ')" >/dev/kmsg
}

for m in $(cat /modules.list); do
  e=$(insmod /lib/modules/$m.ko 2>&1) || kmsg "insmod $m failed: $e"
done
settle 10

say "=== memhp-capture v1
=== cmdline $(cat /proc/cmdline)
=== kernel $(uname -r)"
# The helpers print only through emit/say; anything else the scenario prints (an error of the
# shell) goes to the kernel log, never between our lines.
if [ -f /scenario.sh ]; then
  ( . /scenario.sh ) 2>$tmp.err >>$tmp.err
  [ -s $tmp.err ] && kmsg "scenario output: $(cat $tmp.err)"
else
  kmsg "no /scenario.sh in the initramfs"
fi
say "=== end capture"
poweroff -f
