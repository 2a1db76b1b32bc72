#!/bin/bash
# share-bound.sh IMAGE DIR... -- what a raw image built from the files
# under DIR... may hold on its own on a file system with reflinks, and
# what it must share.  Prints four numbers of bytes:
#
#	WHOLE TAILS META BOUND
#
# WHOLE: the files' whole 4 KiB blocks (each can be shared);
# TAILS: their last partial blocks, each rounded up to 4 KiB (no reflink
#        can put one in the middle of another file);
# META:  what is not file data: the blocks IMAGE's ext2 counts in use,
#        less the files' blocks, plus the 1 MiB before the partition;
# BOUND: (TAILS + META) x 1.05, the most the image may hold exclusively.
#
# A file with several names counts once, as it is stored once.  Used by
# tests/integration/reflink.sh and bench/run.sh.
set -u
[ $# -ge 2 ] || { echo "usage: share-bound.sh IMAGE DIR..." >&2; exit 2; }
image=$1
shift
sizes=$({
	find "$@" -type f -links 1 -printf '%s\n'
	find "$@" -type f -links +1 -printf '%D:%i %s\n' | sort -u | cut -d' ' -f2
}) || exit 1
# The superblock at 1 MiB + 1024: s_blocks_count, then
# s_free_blocks_count two words on.
used=$(od -An -tu4 -j $((1048576 + 1024 + 4)) -N 12 "$image" |
	awk 'NF == 3 { print ($1 - $3) * 4096 }')
[ -n "$used" ] || { echo "share-bound.sh: $image: no ext2 superblock at 1 MiB" >&2; exit 1; }
echo "$sizes" | awk -v used="$used" '
	NF { whole += int($1 / 4096); data += int(($1 + 4095) / 4096)
	     if ($1 % 4096) tails++ }
	END { meta = used - data * 4096 + 1048576
	      printf "%d %d %d %.0f\n", whole * 4096, tails * 4096, meta,
		     (tails * 4096 + meta) * 1.05 }'
