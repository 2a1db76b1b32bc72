#!/bin/bash
# guestfs.sh -- a real Linux kernel reads the image (libguestfs, read-only,
# user_xattr): every file, mode, owner, mtime, symlink, hard-link count and
# sparse file of the source, and the gnu.translator values, as the kernel
# returns them.  Then the same check against a host tree changed in four
# ways must report those four differences: the checker can fail.
. "$(dirname "$0")/lib.sh"
checker=$top_builddir/tests/integration/guestfs-tree
[ -x "$checker" ] || { echo "SKIP: guestfs-tree not built (libguestfs-dev missing)"; exit 77; }
need_gnumach
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "SKIP: no Linux kernel in /boot for libguestfs"; exit 77; }
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
workdir
"$top_srcdir/examples/make-demo-root.sh" tree >/dev/null || exit 1
ln tree/etc/motd tree/etc/motd.link
truncate -s 50M tree/sparse && printf 'x' >> tree/sparse
touch -h -d @1 tree/sparse tree/etc tree
cp -a tree root
sed 's|^directory "demo-root" { }|directory "tree" { target = "/srv/tree" }\ndirectory "root" { }|' \
	"$top_srcdir/examples/demo.conf" > g.conf
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o g.img g.conf || { echo "FAIL: build"; exit 1; }
# Every translator of Guix's table, as the kernel returns gnu.translator.
# shellcheck source=guix-translators.sh
. "$here/guix-translators.sh"
guix_translator_table | while IFS='|' read -r path mode argv; do
	printf '%s\tgnu.translator\t' "$path"
	# shellcheck disable=SC2086
	for w in $argv; do printf '%s\\0' "$w"; done
	printf '\n'
done > xattrs
[ "$(wc -l < xattrs)" = 94 ] || { echo "FAIL: the table"; exit 1; }
"$checker" --xattrs xattrs g.img tree /srv/tree
rc=$?
[ "$rc" = 77 ] && { echo "SKIP: libguestfs cannot start here"; exit 77; }
[ "$rc" = 0 ] || { echo "FAIL: the image does not match its source"; exit 1; }
echo "  ok:   the Linux kernel reads back the tree and all 94 translators"

# A closure image: every store item as it is in the host store.
"$top_srcdir/examples/make-demo-store.sh" demo-store >/dev/null || exit 1
cp "$top_srcdir/examples/closure.conf" .
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o c.img closure.conf || { echo "FAIL: closure build"; exit 1; }
"$checker" c.img demo-store/gnu/store /gnu/store ||
	{ echo "FAIL: the closure image does not match the store"; exit 1; }
echo "  ok:   the Linux kernel reads back every store item of the closure"

# The checker must see a changed mode, content, symlink and a missing file.
chmod 0600 tree/etc/motd
printf 'changed' > tree/etc/hostname && touch -d @1 tree/etc/hostname
ln -sfn elsewhere tree/bin/sh && touch -h -d @1 tree/bin/sh
printf 'new\n' > tree/etc/new-file && touch -d @1 tree/etc/new-file tree/etc
out=$("$checker" g.img tree /srv/tree)
echo "$out" | sed 's/^/      /'
n=$(echo "$out" | grep -cE '/etc/motd(.link)?: mode|/etc/hostname: (size|contents)|/bin/sh: symlink|/etc/new-file: missing')
[ "$n" -ge 4 ] && echo "  ok:   and it reports a changed mode, content, symlink and a missing file" ||
	{ echo "FAIL: the checker missed changes ($n found)"; exit 1; }
