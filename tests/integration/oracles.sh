#!/bin/bash
# oracles.sh -- the demo image judged by tools no one here wrote, for both
# image types: sfdisk (the partition), e2fsck -fn (clean), dumpe2fs -h (the
# Hurd's parameters and exactly the allowed features), debugfs rdump + diff
# (every file, with contents) and grub-fstest (GRUB's own ext2 driver reads
# grub.cfg and the kernel from the partition); and a directory source's
# extended attributes read back by debugfs.
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
cp "$top_srcdir/examples/demo.conf" .
for type in hurd-raw hurd64-raw; do
	img=$type.img
	"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t "$type" -o "$img" demo.conf ||
		{ bad "$type: build failed"; continue; }
	dump=$(sfdisk --dump "$img" 2>/dev/null)
	[ "$(printf '%s\n' "$dump" | grep -c '^'"$img"'[0-9]')" = 1 ] &&
		printf '%s\n' "$dump" | grep -q "^${img}1 : start= *2048, size= *[0-9]*, type=83, bootable$" &&
		ok "$type: sfdisk: one partition at 2048, type 83, bootable" || bad "$type: sfdisk: $dump"
	start=$(printf '%s\n' "$dump" | sed -n 's/.*start= *\([0-9]*\).*/\1/p')
	size=$(printf '%s\n' "$dump" | sed -n 's/.*size= *\([0-9]*\).*/\1/p')
	dd if="$img" of=part bs=512 skip="$start" count="$size" status=none
	e2fsck -fn part >e2fsck.out 2>&1 && ok "$type: e2fsck -fn exits 0" || bad "$type: e2fsck: $(tail -3 e2fsck.out)"
	h=$(dumpe2fs -h part 2>/dev/null)
	field() { printf '%s\n' "$h" | sed -n "s/^$1:[[:space:]]*//p"; }
	[ "$(field 'Filesystem OS type')" = Hurd ] && [ "$(field 'Inode size')" = 128 ] &&
		[ "$(field 'Block size')" = 4096 ] && [ "$(field 'Filesystem revision #')" = "1 (dynamic)" ] &&
		[ "$(field 'Filesystem state')" = clean ] && [ "$(field 'Last mount time')" = n/a ] &&
		ok "$type: dumpe2fs: OS type Hurd, 128-byte inodes, 4 KiB blocks, revision 1, clean, never mounted" ||
		bad "$type: dumpe2fs: $(printf '%s\n' "$h" | grep -E 'OS type|Inode size|Block size|revision|state|mount time')"
	feats=$(field 'Filesystem features' | tr ' ' '\n' | grep . | sort | tr '\n' ' ')
	[ "$feats" = "ext_attr large_file sparse_super " ] && ok "$type: features exactly ext_attr large_file sparse_super" ||
		bad "$type: features '$feats'"
	rm -rf out && mkdir out
	debugfs -R "rdump / out" part >/dev/null 2>&1
	# Everything of the source, byte for byte (generated /etc files aside).
	if diff -r --no-dereference -x hostname demo-root out >diff.out 2>&1 ||
	   ! grep -v '^Only in out' diff.out | grep -q .; then
		ok "$type: debugfs rdump holds every source file, byte for byte"
	else
		bad "$type: $(grep -v '^Only in out' diff.out | head -5)"
	fi
	cfg=$(grub-fstest "$img" cat '(loop0,msdos1)/boot/grub/grub.cfg' 2>&1)
	printf '%s\n' "$cfg" | grep -q '^menuentry ' && [ "$cfg" = "$(debugfs -R 'cat /boot/grub/grub.cfg' part 2>/dev/null)" ] &&
		ok "$type: grub-fstest reads grub.cfg through GRUB's ext2 driver" || bad "$type: grub-fstest: $cfg"
	k1=$(grub-fstest "$img" cat '(loop0,msdos1)/boot/gnumach.gz' 2>/dev/null | sha256sum)
	[ "$k1" = "$(sha256sum < demo-root/boot/gnumach.gz)" ] && ok "$type: and GNU Mach, byte for byte" || bad "$type: grub-fstest kernel"
	grub-fstest "$img" ls '(loop0,msdos1)/boot/grub/i386-pc/' 2>/dev/null | grep -q 'multiboot.mod' &&
		ok "$type: GRUB's modules are in /boot/grub/i386-pc" || bad "$type: no multiboot.mod"
	want=$(case $type in hurd-raw) echo hd0 ;; *) echo "wd0 noide" ;; esac)
	printf '%s\n' "$cfg" | grep -q "multiboot /boot/gnumach.gz root=part:1:device:$want" &&
		ok "$type: root=part:1:device:$want" || bad "$type: multiboot line"
done
# check-image.sh: the same oracles as a library for any tree: the demo at
# /srv/tree beside the root, every entry of it by debugfs, all 94
# translators by debugfs ea_get, GRUB by grub-fstest; raw and qcow2.
# shellcheck source=guix-translators.sh
. "$here/guix-translators.sh"
guix_translator_table | while IFS='|' read -r path mode argv; do
	printf '%s\tgnu.translator\t' "$path"
	# shellcheck disable=SC2086
	for w in $argv; do printf '%s\\0' "$w"; done
	printf '\n'
done > xattrs
cp -a demo-root tree
sed 's|^directory "demo-root" { }|&\ndirectory "tree" { target = "/srv/tree" }|' demo.conf > sub.conf
for fmt in raw qcow2; do
	"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-$fmt -o sub.$fmt sub.conf ||
		{ bad "$fmt: build"; continue; }
	if bash "$here/check-image.sh" sub.$fmt tree --subdir /srv/tree --xattrs xattrs \
		--format $fmt >ci.out 2>&1; then
		ok "check-image.sh ($fmt): $(grep -c ': ok' ci.out) checks pass"
	else
		bad "check-image.sh ($fmt): $(grep -i fail ci.out | head -5)"
	fi
done
# Times outside ext2's 32-bit seconds: clamped to 0 and 2^31 - 1, read
# back by debugfs.
mkdir -p times && echo f > times/future && echo p > times/past && echo n > times/now
touch -d @4102444800 times/future && touch -d @1700000000 times/now
touch -d @-86400 times/past 2>/dev/null || rm times/past
printf 'directory "demo-root" { }\ndirectory "times" { target = "/times" }\n' > times.conf
if "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw -o times.img times.conf; then
	dd if=times.img of=times.part bs=1M skip=1 status=none
	got=$(for f in future now past; do
		[ -e times/$f ] && debugfs -R "stat /times/$f" times.part 2>/dev/null |
			sed -n "s/^ *mtime: \(0x[0-9a-f]*\).*/$f \1/p"
	done | tr '\n' ' ')
	want="future 0x7fffffff now 0x6553f100 $([ -e times/past ] && echo 'past 0x00000000 ')"
	[ "$got" = "$want" ] && ok "mtimes after 2038 and before 1970 are clamped: $got" ||
		bad "clamped mtimes: got [$got], want [$want]"
else
	bad "times: build failed"
fi

# Extended attributes of a directory source: user.* kept, each with its
# own length (two on one file, one of them empty); trusted.* dropped (the
# Hurd's listxattr knows user. and gnu. only).  Read back by debugfs.
mkdir -p xa-root/xa/dir && printf 'x\n' > xa-root/xa/file
if setfattr -n user.first -v one xa-root/xa/file 2>/dev/null &&
	setfattr -n user.second -v "a longer value" xa-root/xa/file &&
	setfattr -n user.empty xa-root/xa/dir; then
	setfattr -n trusted.hidden -v no xa-root/xa/file 2>/dev/null
	{ cat demo.conf; printf 'directory "xa-root" { }\n'; } > xa.conf
	if "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o xa.img xa.conf; then
		dd if=xa.img of=xa.part bs=1M skip=1 status=none
		got=$(for f in file dir; do debugfs -R "ea_list /xa/$f" xa.part 2>/dev/null |
			sed -n 's/^ *\([a-z]*\.[a-z]*\) ([0-9]*)\( = \(.*\)\)*$/\1=\3/p'; done | tr '\n' ' ')
		want='user.first="one" user.second="a longer value" user.empty= '
		[ "$got" = "$want" ] && ok "a directory's xattrs: user.* kept with their lengths, trusted.* dropped" ||
			bad "a directory's xattrs: got [$got], want [$want]"
	else
		bad "xattrs: build failed"
	fi
	rm -f xa.img xa.part
else
	echo "  skip: this file system takes no user.* xattrs; a directory's xattrs are not tried"
fi
[ "$fails" = 0 ]
