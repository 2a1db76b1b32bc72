#!/bin/bash
# sparse.sh -- holes stay holes: a sparse file in a directory and in a GNU
# tar --sparse archive of it take only their data blocks in the image
# (debugfs's Blockcount), read back the same (debugfs cat), and the two
# images are byte-identical.
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
truncate -s 100M demo-root/sparse
printf 'middle' | dd of=demo-root/sparse bs=1 seek=50000000 conv=notrunc status=none
printf 'end' | dd of=demo-root/sparse bs=1 seek=104857594 conv=notrunc status=none
truncate -s 6G demo-root/beyond-4g          # needs the triple indirect tree
printf 'last' >> demo-root/beyond-4g
touch -d @1 demo-root/sparse demo-root/beyond-4g demo-root
if [ "$(stat -c %b demo-root/sparse)" -ge 1000 ]; then
	echo "SKIP: this file system does not keep holes"; exit 77
fi
cp "$top_srcdir/examples/demo.conf" .
sed 's|^directory "demo-root" { }|archive "demo.tar" { }|' demo.conf > tar.conf
tar -C demo-root --sparse --owner=0 --group=0 --numeric-owner -cf demo.tar .
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }
mk -o dir.img demo.conf || bad "directory build failed"
mk -o tar.img tar.conf || bad "tar build failed"
[ "$(stat -c %s dir.img)" -lt $((64 << 20)) ] && ok "the image is small: $(stat -c %s dir.img) bytes for 6.1 GiB of apparent data" ||
	bad "image of $(stat -c %s dir.img) bytes"
cmp -s dir.img tar.img && ok "GNU tar --sparse gives the directory's image" ||
	bad "tar image differs: $(cmp dir.img tar.img)"
dd if=dir.img of=part.img bs=1M skip=1 status=none
e2fsck -fn part.img >/dev/null 2>&1 && ok "e2fsck -fn clean" || bad "e2fsck: $(e2fsck -fn part.img 2>&1 | tail -3)"
for f in sparse beyond-4g; do
	blocks=$(debugfs -R "stat /$f" part.img 2>/dev/null | sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p')
	[ -n "$blocks" ] && [ "$blocks" -le 64 ] && ok "/$f: Blockcount $blocks (sectors)" ||
		bad "/$f: Blockcount '$blocks'"
done
debugfs -R "cat /sparse" part.img 2>/dev/null | cmp -s - demo-root/sparse &&
	ok "/sparse reads back identical" || bad "/sparse content differs"
# 6 GiB of zeros is slow to read back: check where the last block is.
size=$(stat -c %s demo-root/beyond-4g)
last=$(( (size - 1) / 4096 ))
phys=$(debugfs -R "bmap /beyond-4g $last" part.img 2>/dev/null)
tail_img=$(dd if=part.img bs=4096 skip="$phys" count=1 status=none | head -c $(( size - last * 4096 )) | od -An -c | tr -d ' \n')
tail_src=$(tail -c $(( size - last * 4096 )) demo-root/beyond-4g | od -An -c | tr -d ' \n')
[ -n "$phys" ] && [ "$phys" != 0 ] && [ "$tail_img" = "$tail_src" ] &&
	ok "/beyond-4g: its last block ($last -> $phys, triple indirect) holds the tail" ||
	bad "/beyond-4g: last block $last -> '$phys', '$tail_img' != '$tail_src'"
blk0=$(debugfs -R "bmap /beyond-4g 1000000" part.img 2>/dev/null)
[ "$blk0" = 0 ] && ok "/beyond-4g: a block in the hole maps to nothing" || bad "hole block maps to '$blk0'"
[ "$fails" = 0 ]
