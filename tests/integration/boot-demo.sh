#!/bin/sh
# boot-demo.sh -- build the demo image with mkhurdimg and boot it in QEMU.
#
# Copyright (C) 2025 The mkhurdimg authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An automake test (exit 0 pass, 1 fail, 77 skip).  It builds the demo root
# (examples/make-demo-root.sh) in a fresh temporary directory, writes
# hurd-raw images from examples/demo.conf, boots them with `mkhurdimg boot
# --expect` (TCG, never KVM) and checks, on the serial console it echoes,
# that GNU Mach printed its banner,
# loaded every boot module with all ${...} boot-script variables
# substituted, and started the first server:
#
#   1. classic chain (GNU Mach's IDE driver, root=part:1:device:hd0):
#        task loaded: ext2fs ... / task loaded: exec ... / start ext2fs:
#   2. rumpdisk chain (kernel-arguments = {"noide"}, root=part:1:device:wd0):
#        task loaded: pci-arbiter ... acpi ... rumpdisk ... ext2fs ... exec
#        start pci-arbiter:
#      (in this chain pci-arbiter is the task GNU Mach resumes; it starts
#      the next one itself, so GNU Mach never prints "start ext2fs:").
#
# The servers are stand-ins (examples/standin.c), so nothing runs after
# that; mkhurdimg boot stops QEMU as soon as the "start" line has appeared
# (the "task loaded:" lines come before it).
#
# Environment:
#   MKHURDIMG        the mkhurdimg binary ($top_builddir/src/mkhurdimg)
#   MKHURDIMG_FLAGS  extra options for it (word-split), e.g. --types-dir DIR
#   top_srcdir, top_builddir   set by the Makefile (default: ../.. of here)
#   QEMU             qemu-system-x86_64 (mkhurdimg boot --qemu)
#   GNUMACH          GNU Mach image (/boot/gnumach-1.8-486.gz)
#   BOOT_TIMEOUT     seconds per boot (150)
#   KEEP_TMPDIR      if set to 1, keep the temporary directory

set -u

me=boot-demo
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$here/../..}
top_srcdir=$(CDPATH='' cd -- "$top_srcdir" && pwd) || exit 1
top_builddir=$(CDPATH='' cd -- "$top_builddir" && pwd) || exit 1
MKHURDIMG=${MKHURDIMG:-$top_builddir/src/mkhurdimg}
case $MKHURDIMG in
  /*) ;;
  */*) MKHURDIMG=$PWD/$MKHURDIMG ;;
esac
MKHURDIMG_FLAGS=${MKHURDIMG_FLAGS:-}
QEMU=${QEMU:-qemu-system-x86_64}
GNUMACH=${GNUMACH:-/boot/gnumach-1.8-486.gz}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
export LC_ALL=C

skip () { echo "SKIP: $me: $*"; exit 77; }
fail_count=0
pass () { echo "  ok:   $*"; }
fail () { echo "  FAIL: $*"; fail_count=$((fail_count + 1)); }

# --- prerequisites -------------------------------------------------------
command -v "$QEMU" >/dev/null 2>&1 ||
  skip "$QEMU not found (apt-get install qemu-system-x86)"
[ -r "$GNUMACH" ] ||
  skip "GNU Mach image $GNUMACH not found (apt-get install gnumach-image-1.8-486)"
command -v timeout >/dev/null 2>&1 || skip "timeout (coreutils) not found"
if ! command -v "$MKHURDIMG" >/dev/null 2>&1; then
  echo "FAIL: $me: mkhurdimg binary $MKHURDIMG not found or not executable"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/boot-demo.XXXXXX") || exit 1
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup () {
  if [ "${KEEP_TMPDIR:-0}" = 1 ]; then
    echo "(kept $tmp)"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

if ! "${CC:-gcc}" -m32 -static -nostdlib -fno-pic -no-pie -O2 \
     -o "$tmp/probe" "$top_srcdir/examples/standin.c" >/dev/null 2>&1; then
  skip "cannot build 32-bit stand-ins ('${CC:-gcc} -m32 -static -nostdlib' failed)"
fi

echo "== building the demo root"
if ! "$top_srcdir/examples/make-demo-root.sh" "$tmp/demo-root" "$GNUMACH"; then
  echo "FAIL: $me: examples/make-demo-root.sh failed"
  exit 1
fi
cp "$top_srcdir/examples/demo.conf" "$tmp/demo.conf" || exit 1

# --- helpers -------------------------------------------------------------

# make_image CONF IMG: run mkhurdimg in $tmp.
make_image () {
  echo "== $MKHURDIMG $MKHURDIMG_FLAGS -t hurd-raw -o $2 $1"
  # shellcheck disable=SC2086  # MKHURDIMG_FLAGS is a list of words
  if (cd "$tmp" && "$MKHURDIMG" $MKHURDIMG_FLAGS -t hurd-raw -o "$2" "$1"); then
    return 0
  fi
  fail "mkhurdimg failed on $1"
  return 1
}

# clean LOG: the serial log as plain lines (no CR, no terminal escapes).
clean () {
  tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}

# boot NAME IMG START SERVER...: boot IMG and check its serial console.
boot () {
  name=$1 img=$2 start=$3
  shift 3
  log=$tmp/$name.serial
  txt=$tmp/$name.txt
  echo "== mkhurdimg boot $img (TCG, at most ${BOOT_TIMEOUT}s)"
  # mkhurdimg boot stops QEMU at the first line that GNU Mach prints when
  # it starts the first server, or that says the boot went wrong; the
  # checks below read the console it echoed.
  t0=$(date +%s)
  timeout $((BOOT_TIMEOUT + 15)) "$MKHURDIMG" boot --qemu "$QEMU" \
    -t hurd-raw --accel=tcg --no-forward \
    --expect "^start $start:|panic|^error: |Press any key to continue" \
    --timeout "$BOOT_TIMEOUT" "$tmp/$img" > "$log" 2> "$tmp/$name.qemu"
  st=$?
  clean "$log" > "$txt"
  secs=$(($(date +%s) - t0))
  if [ "$st" -ne 0 ]; then
    why="mkhurdimg boot: status $st: $(tail -1 "$tmp/$name.qemu")"
  elif grep -aq 'panic' "$txt"; then
    why='GNU Mach panicked'
  elif grep -aqE '^error: |Press any key to continue' "$txt"; then
    why='GRUB reported an error'
  else
    why=complete
  fi
  echo "   ($why after ${secs}s)"

  before=$fail_count
  line=$(grep -a -m1 '^GNU Mach [0-9]' "$txt")
  if [ -n "$line" ]; then pass "banner: $line"; else fail "no GNU Mach banner"; fi

  for s in "$@"; do
    n=$(grep -acE "^task loaded: $s( |\$)" "$txt")
    line=$(grep -a -m1 -E "^task loaded: $s( |\$)" "$txt")
    if [ "$n" -ne 1 ]; then
      fail "$n 'task loaded: $s' lines, expected 1"
    elif printf '%s\n' "$line" | grep -q '\$[{(]'; then
      fail "unsubstituted boot-script variable: $line"
    else
      pass "$line"
    fi
  done
  n=$(grep -ac '^task loaded:' "$txt")
  if [ "$n" -eq $# ]; then
    pass "$n 'task loaded:' lines"
  else
    fail "$n 'task loaded:' lines, expected $# ($*)"
  fi

  if grep -aq "^start $start:" "$txt"; then
    pass "start $start:"
  else
    fail "no 'start $start:' line"
  fi

  if [ "$fail_count" -ne "$before" ]; then
    echo "-- serial console of $img:"
    cat "$txt"
    echo
    echo "-- QEMU said:"
    cat "$tmp/$name.qemu"
    echo "--"
    return 1
  fi
  return 0
}

# expect_in NAME PATTERN WHAT: the 'task loaded: NAME' line contains PATTERN.
expect_in () {
  line=$(grep -a -m1 -E "^task loaded: $1( |\$)" "$txt")
  case $line in
    *"$2"*) pass "$1: $3 ($2)" ;;
    *) fail "$1: $3: '$2' missing in: $line" ;;
  esac
}

# --- 1. classic chain ----------------------------------------------------
if make_image demo.conf classic.img; then
  if boot classic classic.img ext2fs ext2fs exec; then
    expect_in ext2fs '--host-priv-port=1 --device-master-port=2' 'ports of the first task'
    expect_in ext2fs 'part:1:device:hd0' 'root on the IDE disk'
    expect_in ext2fs 'console=com0' 'serial console on the multiboot line'
  fi
fi

# --- 2. rumpdisk chain ---------------------------------------------------
sed 's/^kernel-arguments *= *{ *}/kernel-arguments = {"noide"}/' \
  "$tmp/demo.conf" > "$tmp/demo-noide.conf"
if ! grep -q '^kernel-arguments = {"noide"}' "$tmp/demo-noide.conf"; then
  fail "cannot set kernel-arguments = {\"noide\"} in a copy of demo.conf"
elif make_image demo-noide.conf rumpdisk.img; then
  if boot rumpdisk rumpdisk.img pci-arbiter pci-arbiter acpi rumpdisk ext2fs exec
  then
    expect_in pci-arbiter '--host-priv-port=1 --device-master-port=2' 'ports of the first task'
    expect_in pci-arbiter '--next-task=' 'hands on to the next task'
    expect_in rumpdisk '--next-task=' 'hands on to the next task'
    expect_in ext2fs 'part:1:device:wd0' 'root on the rumpdisk disk'
    expect_in ext2fs 'noide' 'in-kernel IDE off'
  fi
fi

if [ "$fail_count" -ne 0 ]; then
  echo "FAIL: $me: $fail_count check(s) failed"
  exit 1
fi
echo "PASS: $me"
exit 0
