#!/bin/sh
# make-demo-root.sh -- build the mkhurdimg demo root directory.
#
# Copyright (C) 2025 The mkhurdimg authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-demo-root.sh OUTDIR [GNUMACH_GZ]
#
# Builds, from parts any Debian 12 machine has, a directory tree that
# boots as far as GNU Mach's boot script: GNU Mach itself (a copy of
# GNUMACH_GZ, default /boot/gnumach-1.8-486.gz from gnumach-image-1.8-486)
# and tiny 32-bit stand-ins (standin.c) for every Hurd server GRUB loads.
# A few ordinary files, symlinks and modes make the tree worth copying.
#
# OUTDIR is removed first.  The result is reproducible: same bytes, modes
# and mtimes (1970-01-01 00:00:01 UTC) on every run.  Environment: CC
# (default gcc).

set -eu

prog=make-demo-root.sh
die () { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  printf 'usage: %s OUTDIR [GNUMACH_GZ]\n' "$prog" >&2
  exit 2
fi
outdir=$1
gnumach=${2:-/boot/gnumach-1.8-486.gz}
cc=${CC:-gcc}

case $outdir in
  ''|/|.|..) die "refusing to use '$outdir' as OUTDIR (it is removed first)" ;;
esac

srcdir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
standin_c=$srcdir/standin.c
[ -r "$standin_c" ] || die "$standin_c not found"
[ -r "$gnumach" ] ||
  die "GNU Mach image $gnumach not found (apt-get install gnumach-image-1.8-486, or pass GNUMACH_GZ)"
command -v "$cc" >/dev/null 2>&1 ||
  die "$cc not found; a C compiler that can do 'gcc -m32 -static -nostdlib' is needed (apt-get install gcc)"

export LC_ALL=C
umask 022

# --- the stand-in server --------------------------------------------------
# Built before OUTDIR is touched.  No libc, no build id, no .comment,
# stripped: the same bytes on every run and from any working directory.
standin=$(mktemp "${TMPDIR:-/tmp}/standin.XXXXXX")
trap 'rm -f "$standin"' EXIT
trap 'exit 1' HUP INT TERM
"$cc" -m32 -static -nostdlib -fno-pic -no-pie -O2 \
      -fno-asynchronous-unwind-tables -fno-ident \
      -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,norelro -s \
      -o "$standin" "$standin_c" >/dev/null 2>&1 ||
  die "cannot build 32-bit stand-ins: '$cc -m32 -static -nostdlib' failed (needs gcc and binutils with i386 support)"

rm -rf -- "$outdir"
mkdir -p -- "$outdir"
outdir=$(CDPATH='' cd -- "$outdir" && pwd)

mkdir -p "$outdir/boot" "$outdir/hurd" "$outdir/lib" "$outdir/bin" \
         "$outdir/etc" "$outdir/usr/bin" "$outdir/var/lib/demo" \
         "$outdir/usr/share/doc/mkhurdimg-demo/a-directory-with-a-rather-long-name"

# The boot servers GRUB loads, and the programs of the passive
# translators mkhurdimg sets (/dev/null, /servers/socket/1, ...).
for f in ext2fs.static exec.static exec pci-arbiter.static acpi.static \
         rumpdisk.static startup init proc auth \
         pci-arbiter crash password pflocal procfs null random storeio term \
         streamio tmpfs console magic rumpdisk netdde devnode; do
  cp "$standin" "$outdir/hurd/$f"
done
cp "$standin" "$outdir/lib/ld.so.1"
cp "$standin" "$outdir/lib/ld-x86-64.so.1"
chmod 0755 "$outdir"/hurd/* "$outdir"/lib/*

# --- GNU Mach ---------------------------------------------------------------
cp "$gnumach" "$outdir/boot/gnumach.gz"
chmod 0644 "$outdir/boot/gnumach.gz"

# --- ordinary files ---------------------------------------------------------
cat > "$outdir/README.demo" <<'EOF'
This is the mkhurdimg demo root.  It is NOT a working GNU/Hurd system.

boot/gnumach.gz is a real GNU Mach kernel (Debian's gnumach-image-1.8-486),
but every Hurd server under hurd/ and lib/ (ext2fs.static, exec,
rumpdisk.static, ld.so.1, ...) is a stand-in: a few hundred bytes of
32-bit code that loops forever (examples/standin.c).

Booted, the image gets as far as GNU Mach loading every boot module
("task loaded: ...") and starting the first one ("start ext2fs: "),
which is what the boot tests check.  Nothing runs after that.

The other files (etc/motd, symlinks, a 100 KiB pseudo-random file, a
0700 directory, ...) exist only to give the image builder a tree worth
copying.  Regenerate the tree with examples/make-demo-root.sh.
EOF

cat > "$outdir/etc/motd" <<'EOF'

The programs included with this demo image are stand-ins: none of them
does anything.  See /README.demo.

EOF
chmod 0644 "$outdir/etc/motd" "$outdir/README.demo"

printf 'hurd-demo\n' > "$outdir/etc/hostname"
: > "$outdir/etc/empty"
chmod 0644 "$outdir/etc/hostname" "$outdir/etc/empty"

cat > "$outdir/usr/bin/hello" <<'EOF'
#!/bin/sh
echo "Hello from the mkhurdimg demo image."
EOF
chmod 0755 "$outdir/usr/bin/hello"

# 100 KiB of deterministic pseudo-random bytes: Park-Miller minimal standard
# generator (every product stays below 2^46, exact in any awk's doubles).
awk 'BEGIN {
  x = 20250101
  for (i = 0; i < 102400; i++) {
    x = (x * 16807) % 2147483647
    printf "%c", int(x / 128) % 256
  }
}' > "$outdir/var/lib/demo/random.bin"
chmod 0644 "$outdir/var/lib/demo/random.bin"
[ "$(wc -c < "$outdir/var/lib/demo/random.bin")" -eq 102400 ] ||
  die "awk did not write 102400 bytes to var/lib/demo/random.bin"

# A directory only its owner may enter.
mkdir -p "$outdir/var/lib/demo/private/keys"
printf 'not a secret\n' > "$outdir/var/lib/demo/private/keys/demo.key"
chmod 0600 "$outdir/var/lib/demo/private/keys/demo.key"
chmod 0700 "$outdir/var/lib/demo/private/keys" "$outdir/var/lib/demo/private"

# --- symlinks ---------------------------------------------------------------
ln -s ../hurd/exec "$outdir/bin/sh"
long_dir=usr/share/doc/mkhurdimg-demo/a-directory-with-a-rather-long-name
printf 'The target of a symlink longer than 60 bytes (a slow symlink in ext2).\n' \
  > "$outdir/$long_dir/target-of-the-long-symlink.txt"
chmod 0644 "$outdir/$long_dir/target-of-the-long-symlink.txt"
# Target: 101 bytes, too long for the inode's i_block (60 bytes).
ln -s "../../$long_dir/target-of-the-long-symlink.txt" \
  "$outdir/usr/share/long-symlink"

# --- fixed modes and mtimes -------------------------------------------------
find "$outdir" -type d ! -path "$outdir/var/lib/demo/private*" \
  -exec chmod 0755 {} +
find "$outdir" -exec touch -h -d @1 {} +
