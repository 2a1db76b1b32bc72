#!/bin/bash
# reflink.sh -- on a file system with reflinks, a raw image shares every
# whole block of its files with them, and holds the bytes it would hold
# anywhere else.
#
# As root, on a loop-mounted btrfs holding the tree and the image:
#  * btrfs filesystem du: the image's shared bytes are at least the
#    files' whole 4 KiB blocks, and its exclusive bytes at most the files'
#    last partial blocks (each rounded up to 4 KiB) plus what is not file
#    data (ext2's metadata, GRUB, the 1 MiB before the partition), with
#    5% to spare;
#  * the image is byte for byte the one built from the same tree into a
#    directory off the btrfs (no reflinks there), with one thread and
#    with more;
#  * e2fsck -fn finds it clean.
# Skipped (77) without root, btrfs-progs or a loop-mounted btrfs.
. "$(dirname "$0")/lib.sh" || exit 99
[ "$(id -u)" = 0 ] || skip "a loop-mounted btrfs needs root"
for p in mkfs.btrfs btrfs e2fsck; do
	command -v $p >/dev/null || skip "no $p (apt-get install btrfs-progs e2fsprogs)"
done
workdir
mnt=$work/mnt
# shellcheck disable=SC2064  # expand now: $work is set
trap "umount '$mnt' 2>/dev/null; rm -rf '$work'" EXIT
truncate -s 1G btrfs.img && mkfs.btrfs -q -f btrfs.img >/dev/null 2>&1 &&
	mkdir "$mnt" && mount -o loop btrfs.img "$mnt" 2>err ||
	skip "no loop-mounted btrfs here: $(tail -1 err 2>/dev/null)"

# A tree of every size around a block, and many small files among
# larger ones (their tails are written together, parted by the clones).
t=$mnt/tree
mkdir -p "$t/many" "$t/sub/deeper"
for s in 0 1 4095 4096 4097 8192 65537 1048577 3000000; do
	head -c $s /dev/urandom > "$t/size-$s"
done
awk 'BEGIN { srand(11); for (i = 0; i < 300; i++)
	print i, (i % 7 == 3 ? 4096 * int(1 + rand() * 20) + int(rand() * 4096) : int(rand() * 4000)) }' |
	while read -r i s; do head -c "$s" /dev/urandom > "$t/many/f$i"; done
cp "$t/size-65537" "$t/sub/deeper/copy"
ln "$t/size-8192" "$t/sub/link"
"$top_srcdir/examples/make-demo-root.sh" "$mnt/boot-root" >/dev/null || exit 1
conf() { # FILE: the tree under /data, a stand-in kernel and servers
	printf 'translators = "none"\nregister-store = false\n'
	printf 'directory "%s" { }\n' "$mnt/boot-root"
	printf 'directory "%s" { target = "/data" }\n' "$t"
}
conf > os.conf
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw "$@" os.conf; }

mk -o "$mnt/r.img" || bad "the build on btrfs failed"
mk -o ref.img || bad "the build off btrfs failed"
mk --threads 1 -o "$mnt/r1.img" || bad "the one-thread build on btrfs failed"
cmp -s "$mnt/r.img" ref.img && cmp -s "$mnt/r1.img" ref.img &&
	ok "the same bytes on btrfs (two threads and one) as off it" ||
	bad "the images differ: $(cmp "$mnt/r.img" ref.img 2>&1) $(cmp "$mnt/r1.img" ref.img 2>&1)"
rm -f "$mnt/r1.img"
sync

read -r excl shared < <(btrfs filesystem du -s --raw "$mnt/r.img" | awk 'NR == 2 { print $2, $3 }')
read -r whole tails meta bound < <("$top_srcdir/tests/integration/share-bound.sh" \
	ref.img "$t" "$mnt/boot-root") || bad "share-bound.sh failed"
[ "$shared" -ge "$whole" ] &&
	ok "shared: $shared bytes, the files' whole blocks $whole" ||
	bad "shared: $shared bytes, less than the files' whole blocks ($whole)"
[ "$meta" -gt 0 ] && [ "$excl" -le "$bound" ] &&
	ok "exclusive: $excl bytes, at most (tails $tails + metadata $meta) x 1.05 = $bound" ||
	bad "exclusive: $excl bytes, more than (tails $tails + metadata $meta) x 1.05 = $bound"

dd if="$mnt/r.img" of=part.img bs=1M skip=1 status=none
e2fsck -fn part.img >/dev/null 2>&1 && ok "e2fsck -fn clean" ||
	bad "e2fsck: $(e2fsck -fn part.img 2>&1 | tail -3)"
[ "$fails" = 0 ]
