#!/bin/sh
# make-demo-cache.sh -- a substitute cache of the demo store, made by Nix.
#
# Copyright (C) 2025 The mkhurdimg authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-demo-cache.sh OUTDIR [COMPRESSION]
#
# Builds the demo store (make-demo-store.sh) and serves it the way a Guix
# or Nix substitute server lays out its files: OUTDIR/HASH.narinfo per item
# and the nars under OUTDIR/nar/.  The nars come from `nix-store --dump`
# and NarHash from `nix-hash --type sha256 --base32` (package nix-bin),
# not from mkhurdimg.  COMPRESSION: none, gzip, xz (default), lzip, zstd,
# bzip2.
set -eu
prog=make-demo-cache.sh
die () { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
[ $# -ge 1 ] || { printf 'usage: %s OUTDIR [COMPRESSION]\n' "$prog" >&2; exit 2; }
outdir=$1
comp=${2:-xz}
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
command -v nix-store >/dev/null 2>&1 && command -v nix-hash >/dev/null 2>&1 ||
	die "nix-store and nix-hash are needed (apt-get install nix-bin)"
case $comp in
	none) ext=; compress=cat ;;
	gzip) ext=.gz; compress='gzip -9n' ;;
	xz) ext=.xz; compress='xz -c' ;;
	lzip) ext=.lz; compress='lzip -c' ;;
	zstd) ext=.zst; compress='zstd -q -c' ;;
	bzip2) ext=.bz2; compress='bzip2 -c' ;;
	*) die "unknown compression '$comp'" ;;
esac
"$here/make-demo-store.sh" "$outdir.store"
rm -rf -- "$outdir"
mkdir -p -- "$outdir/nar"
graph=$outdir.store/system.graph

# References per item, from the reference graph.
refs_of () {
	awk -v item="$1" '
		state == 0 && $0 == item { state = 1; next }
		state == 1 { state = 2; next }              # deriver
		state == 2 { n = $0; state = (n > 0) ? 3 : 9; next }
		state == 3 { sub(".*/", ""); printf "%s%s", sep, $0; sep = " ";
		             if (--n == 0) state = 9; next }
		state == 0 && /^\// { getline; getline; skip = $0; while (skip-- > 0) getline }
	' "$graph"
}

grep '^/gnu/store/' "$graph" | sort -u | while read -r item; do
	base=${item##*/}
	hash=${base%%-*}
	path=$outdir.store/gnu/store/$base
	nar=nar/$hash.nar$ext
	nix-store --dump "$path" | $compress > "$outdir/$nar"
	{
		printf 'StorePath: %s\n' "$item"
		printf 'URL: %s\n' "$nar"
		printf 'Compression: %s\n' "$comp"
		printf 'FileSize: %s\n' "$(wc -c < "$outdir/$nar")"
		printf 'NarHash: sha256:%s\n' "$(nix-hash --type sha256 --base32 "$path")"
		printf 'NarSize: %s\n' "$(nix-store --dump "$path" | wc -c)"
		printf 'References: %s\n' "$(refs_of "$item")"
		printf 'System: i586-gnu\n'
	} > "$outdir/$hash.narinfo"
done
