#!/bin/bash
# corruption.sh -- the corruption sweep: every archive form the README
# lists (tar, pax, cpio, zip; gzip, multi-member gzip, xz, zstd, bzip2,
# lzip) and nars (plain and compressed), one byte changed at a time at 20
# seeded positions each, judged by tools no one here wrote: the format's
# own integrity test (gzip -t, xz -t, zstd -t, bzip2 -t, lzip -t,
# unzip -t) where it fails, mkhurdimg must refuse (status 1, one line
# naming the file, nothing left); where it passes, mkhurdimg refuses or
# the image's files, read back by debugfs rdump, equal what bsdtar -x
# extracts (bytes, modes, mtimes, symlinks, owners when root); for nars,
# NarHash and nix-store --restore.  corruption.py has the details.
# CORRUPTION_KEEP=DIR keeps every mutated file that showed a difference.
. "$(dirname "$0")/lib.sh"
for tool in python3 bsdtar debugfs gzip xz zstd bzip2 lzip unzip nix-store nix-hash; do
	command -v "$tool" >/dev/null || skip "$tool not found"
done
workdir
TYPES=$top_srcdir/image-types MKHURDIMG=$MKHURDIMG \
	python3 "$top_srcdir/tests/integration/corruption.py" "$work" || exit 1
