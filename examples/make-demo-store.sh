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
# mtime 1 of a real store, and OUTDIR/system.graph, their reference graph in
# the exportReferencesGraph format.  --optimise hard-links identical files
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
cp "$root/boot/gnumach.gz" "$gnumach/boot/"
cp "$root"/hurd/* "$hurd/hurd/"
cp "$root/lib/ld.so.1" "$glibc/lib/"
printf 'The GNU C Library stand-in.\nCopying and distribution are permitted.\n' \
	> "$glibc/share/doc/COPYING"
cp "$glibc/share/doc/COPYING" "$hello/share/doc/COPYING"
printf '#!%s/lib/ld.so.1\necho hello\n' "/gnu/store/${glibc##*/}" > "$hello/bin/hello"
ln -s "/gnu/store/${gnumach##*/}/boot/gnumach.gz" "$system/kernel"
ln -s "/gnu/store/${hurd##*/}" "$system/hurd"
ln -s "/gnu/store/${hello##*/}" "$system/profile"
printf '(boot-parameters (version 0) (label "demo"))\n' > "$system/parameters"

# Store canonicalisation: read-only files, executables 0555, mtime 1.
find "$store" -type d -exec chmod 0555 {} + 2>/dev/null || true
find "$store" -type f -exec chmod 0444 {} +
chmod 0555 "$hurd"/hurd/* "$glibc/lib/ld.so.1" "$hello/bin/hello"
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
