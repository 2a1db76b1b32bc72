#!/bin/sh
# make-demo-store.sh -- a small Guix-style store closure for the closure demo.
#
# Copyright (C) 2025 The mkhurdimg authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-demo-store.sh OUTDIR [--optimise]
#
# Writes OUTDIR/gnu/store/HASH-NAME items made from the demo root (a real
# GNU Mach, stand-in Hurd servers: see make-demo-root.sh) with the modes and
# mtime 1 of a real store, among them a Guix system item with its boot
# parameters, and OUTDIR/system.graph, their reference graph in the
# exportReferencesGraph format.  --optimise hard-links identical files
# across items, as `nix-store --optimise` / guix-daemon's deduplication
# does: an image built from either store must be the same.
set -eu
prog=make-demo-store.sh
die () { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
[ $# -ge 1 ] || { printf 'usage: %s OUTDIR [--optimise]\n' "$prog" >&2; exit 2; }
outdir=$1
optimise=${2:-}
case $outdir in ''|/|.|..) die "refusing to use '$outdir' as OUTDIR" ;; esac
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
export LC_ALL=C
umask 022

rm -rf -- "$outdir"
mkdir -p -- "$outdir"
outdir=$(CDPATH='' cd -- "$outdir" && pwd)
root=$outdir/.root
"$here/make-demo-root.sh" "$root" >/dev/null
store=$outdir/gnu/store
mkdir -p "$store"

# Fixed hashes (nix-base32 alphabet): the demo's paths never change.
gnumach=$store/0b3ydc8i1m2dvhmsbrnfhcqqj3k7jl3i-gnumach-1.8
hurd=$store/1hqdzmf8rjmwfrc39dha7lmjmz2vwlf5-hurd-standin-0.9
glibc=$store/2l4p1ffwyjlwvzq0v8yq02r71zmhpbhs-glibc-standin-2.41
hello=$store/3g5axq2mgfzwfs5idk3z50fb4d1c1hi1-hello-standin-2.12
system=$store/4rb3r1dfrmy3s1wx3d4dn0p2ak0f9b0b-system
tzdata=$store/5jq8m0a5v3x9l2c7kdb1wzrh6nfgp4ys-tzdata-2025b

mkdir -p "$gnumach/boot" "$hurd/hurd" "$glibc/lib" "$glibc/share/doc" \
	"$hello/bin" "$hello/share/doc" "$system" "$tzdata/share/zoneinfo/Europe"
zone=/usr/share/zoneinfo/Europe/Amsterdam
[ -r "$zone" ] || die "$zone not found (apt-get install tzdata)"
cp "$zone" "$tzdata/share/zoneinfo/Europe/Amsterdam"
# GNU Mach's `make install' puts boot/gnumach; Guix's package adds
# boot/gnumach.gz.  The system boots the first (GRUB reads either).
cp "$root/boot/gnumach.gz" "$gnumach/boot/"
gzip -dc "$root/boot/gnumach.gz" > "$gnumach/boot/gnumach"
cp "$root"/hurd/* "$hurd/hurd/"
cp "$root/lib/ld.so.1" "$glibc/lib/"
printf 'The GNU C Library stand-in.\nCopying and distribution are permitted.\n' \
	> "$glibc/share/doc/COPYING"
cp "$glibc/share/doc/COPYING" "$hello/share/doc/COPYING"
printf '#!%s/lib/ld.so.1\necho hello\n' "/gnu/store/${glibc##*/}" > "$hello/bin/hello"

# The system item, shaped as `guix system build' makes it: kernel and
# hurd link to their items, profile to the system profile, and
# `parameters' is the boot-parameters S-expression Guix writes with
# `write' (gnu/system.scm, operating-system-boot-parameters-file) for
# bare-hurd.tmpl with (kernel-arguments '("console=com0")), so that GNU
# Mach talks on the serial console.  `boot' and `rc' are stand-ins for
# Guix's boot script and Hurd rc script: nothing runs them in the demo.
s=/gnu/store
ln -s "$s/${gnumach##*/}" "$system/kernel"
ln -s "$s/${hurd##*/}" "$system/hurd"
ln -s "$s/${hello##*/}" "$system/profile"
h=$s/${hurd##*/}/hurd
printf '%s' "(boot-parameters (version 1) (label \"GNU with the Hurd 0.9\") \
(root-device (file-system-label \"hurd\")) \
(kernel \"$s/${gnumach##*/}/boot/gnumach\") (kernel-arguments (\"console=com0\")) \
(multiboot-modules ((\"$h/pci-arbiter.static\" \"pci-arbiter\" \
\"--host-priv-port='\${host-port}'\" \"--device-master-port='\${device-port}'\" \
\"--next-task='\${disk-task}'\" \"'\$(pci-task=task-create)'\" \"'\$(task-resume)'\") \
(\"$h/rumpdisk.static\" \"rumpdisk\" \"--next-task='\${fs-task}'\" \
\"'\$(disk-task=task-create)'\") (\"$h/ext2fs.static\" \"ext2fs\" \
\"--multiboot-command-line='\${kernel-command-line}'\" \
\"--exec-server-task='\${exec-task}'\" \"--store-type=typed\" \"'\${root}'\" \
\"'\$(fs-task=task-create)'\") (\"$h/exec.static\" \"exec\" \
\"'\$(exec-task=task-create)'\"))) (bootloader-name grub) \
(bootloader-menu-entries ()) (locale \"en_US.utf8\") \
(store (device (file-system-label \"hurd\")) (mount-point \"/\") \
(directory-prefix #f) (crypto-devices ())))" > "$system/parameters"
printf '%s\n' ';; A stand-in for the boot script of a Guix system (activation,' \
	';; then shepherd).  The mkhurdimg demo never runs it.' \
	'(begin (display "mkhurdimg demo: no Guix here\n"))' > "$system/boot"
printf '%s\n' '#!/bin/sh' \
	'# A stand-in for the rc script of a Guix Hurd system, which runsystem' \
	'# runs with gnu.system=.  The mkhurdimg demo never runs it.' \
	'exit 0' > "$system/rc"

# Store canonicalisation: read-only files, executables 0555, mtime 1.
find "$store" -type d -exec chmod 0555 {} + 2>/dev/null || true
find "$store" -type f -exec chmod 0444 {} +
chmod 0555 "$hurd"/hurd/* "$glibc/lib/ld.so.1" "$hello/bin/hello" "$system/rc"
find "$store" -exec touch -h -d @1 {} +
chmod 0555 "$store"/*
chmod 1775 "$store"	# as the daemon keeps it

if [ "$optimise" = --optimise ]; then
	chmod u+w "$hello/share/doc"
	ln -f "$glibc/share/doc/COPYING" "$hello/share/doc/COPYING"
	for f in "$hurd"/hurd/*; do
		[ "$f" = "$hurd/hurd/ext2fs.static" ] && continue
		chmod u+w "$hurd/hurd"
		ln -f "$hurd/hurd/ext2fs.static" "$f"
	done
	chmod 0555 "$hello/share/doc" "$hurd/hurd"
	touch -h -d @1 "$hello/share/doc" "$hurd/hurd"
fi
rm -rf "$root"

# The graph, in the daemon's order (referrers first), each item once.
p() { printf '/gnu/store/%s\n' "${1##*/}"; }
{
	p "$system"; echo; echo 5; p "$gnumach"; p "$hurd"; p "$hello"; p "$system"; p "$tzdata"
	p "$tzdata"; echo; echo 0
	p "$hello"; echo; echo 2; p "$glibc"; p "$hello"
	p "$hurd"; echo; echo 1; p "$glibc"
	p "$glibc"; echo; echo 0
	p "$gnumach"; echo; echo 0
} > "$outdir/system.graph"
