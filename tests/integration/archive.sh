#!/bin/bash
# archive.sh -- archives made by GNU tar, bsdtar and GNU cpio, compressed
# every way libarchive reads, give the very image the directory gives.
#
# The demo tree (with a hard link, a 1-byte file and a directory .d added) is built once from the directory
# and once from each archive of it; every image must be byte-identical.
# zip, which has no hard links or owners, is checked with e2fsck and
# debugfs instead.  xattrs filling one EA block exactly are kept, and an
# archive of 600 entries is read whole.
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
ln demo-root/etc/motd demo-root/etc/motd.hardlink
printf x > demo-root/etc/one-byte # the smallest file with data
mkdir demo-root/etc/.d && echo dot > demo-root/etc/.d/f # a 2-byte dot name
touch -h -d @1 demo-root/etc demo-root
cp "$top_srcdir/examples/demo.conf" .
build() { # IMAGE SOURCE-LINE
	sed "s|^directory \"demo-root\" { }|$2|" demo.conf > this.conf
	"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o "$1" this.conf
}
build dir.img 'directory "demo-root" { }' || { bad "directory build failed"; exit 1; }

same() { # NAME ARCHIVE
	if ! build "$1.img" "archive \"$2\" { }"; then
		bad "$1: build failed"
	elif cmp -s dir.img "$1.img"; then
		ok "$1: identical to the directory's image"
	else
		bad "$1: differs from the directory's image: $(cmp dir.img "$1.img")"
	fi
	rm -f "$1.img"
}

tar -C demo-root --owner=0 --group=0 --numeric-owner -cf gnu.tar .
same "GNU tar (gnu format)" gnu.tar
# (ustar cannot hold the demo's 101-byte symlink target: not tested.)
tar -C demo-root --format=pax --owner=0 --group=0 --numeric-owner -cf pax.tar .
same "GNU tar (pax)" pax.tar
for z in gzip xz zstd bzip2 lzip; do
	command -v $z >/dev/null || { bad "$z is not installed"; continue; }
	$z -c gnu.tar > "gnu.tar.$z"
	same "GNU tar | $z" "gnu.tar.$z"
done
if command -v bsdtar >/dev/null; then
	bsdtar -C demo-root --uid 0 --gid 0 --format pax -cf bsd.tar .
	same "bsdtar (pax)" bsd.tar
	bsdtar -C demo-root --uid 0 --gid 0 --format pax --zstd -cf bsd.tar.zst .
	same "bsdtar (pax, zstd)" bsd.tar.zst
else
	bad "bsdtar is not installed (libarchive-tools)"
fi
(cd demo-root && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > newc.cpio
same "GNU cpio (newc)" newc.cpio
xz -c newc.cpio > newc.cpio.xz
same "GNU cpio (newc) | xz" newc.cpio.xz

# zip keeps no hard links and no owners: check it on its own.
(cd demo-root && bsdtar --format zip -cf ../demo.zip .)
if build zip.img 'archive "demo.zip" { }'; then
	dd if=zip.img of=zip.part bs=1M skip=1 status=none
	e2fsck -fn zip.part >/dev/null 2>&1 && ok "zip: e2fsck clean" || bad "zip: e2fsck"
	a=$(debugfs -R "cat /var/lib/demo/random.bin" zip.part 2>/dev/null | sha256sum)
	[ "$a" = "$(sha256sum < demo-root/var/lib/demo/random.bin)" ] &&
		ok "zip: file contents match" || bad "zip: contents differ"
else
	bad "zip: build failed"
fi
# A hard link to itself (GNU tar writes one when a file is given twice):
# nothing to link, the file keeps its bytes and its one name.
python3 - self.tar <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    f = tarfile.TarInfo("srv/self"); f.size = 6; f.mtime = 1
    t.addfile(f, io.BytesIO(b"hello\n"))
    l = tarfile.TarInfo("srv/self"); l.type = tarfile.LNKTYPE; l.linkname = "srv/self"; l.mtime = 1
    t.addfile(l)
PY
if build self.img 'directory "demo-root" { }\narchive "self.tar" { }'; then
	dd if=self.img of=self.part bs=1M skip=1 status=none
	[ "$(debugfs -R 'cat /srv/self' self.part 2>/dev/null)" = hello ] &&
		debugfs -R 'stat /srv/self' self.part 2>/dev/null | grep -q 'Links: 1 ' &&
		ok "a hard link to itself: the file keeps its bytes and one link" ||
		bad "self link: $(debugfs -R 'stat /srv/self' self.part 2>/dev/null | head -2)"
else
	bad "a hard link to itself: the build failed"
fi
# xattrs that fill one EA block to its last byte (32 + 4 of header, an
# entry of 20 for the name "abcd", 4040 of value: 4096) are kept; 4 bytes
# more are refused (the bad-input case archive-xattrs-over-a-block).
python3 - full.tar <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    f = tarfile.TarInfo("srv/full"); f.size = 2; f.mtime = 1
    f.pax_headers = {"SCHILY.xattr.user.abcd": "v" * 4040}
    t.addfile(f, io.BytesIO(b"x\n"))
PY
if build full.img 'directory "demo-root" { }\narchive "full.tar" { }'; then
	dd if=full.img of=full.part bs=1M skip=1 status=none
	debugfs -R 'ea_get -f full.value /srv/full user.abcd' full.part >/dev/null 2>&1
	if [ "$(tr -d v < full.value 2>/dev/null | wc -c)" = 0 ] && [ "$(wc -c < full.value)" = 4040 ] &&
		e2fsck -fn full.part >/dev/null 2>&1; then
		ok "xattrs of exactly one block: kept, e2fsck clean"
	else
		bad "xattrs of one block: value of $(wc -c < full.value 2>/dev/null) bytes; $(e2fsck -fn full.part 2>&1 | tail -2)"
	fi
else
	bad "xattrs of exactly one block: the build failed"
fi
# An archive of 600 entries: the names seen grow past the first table
# (512 of 1024 slots) and share slots on the way.  (Bounded: a probe
# that never moves on would hang here.)
python3 - many.tar <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:
    for i in range(600):
        f = tarfile.TarInfo("srv/many/f%03d" % i); f.size = 4; f.mtime = 1
        t.addfile(f, io.BytesIO(b"%03d\n" % i))
PY
sed "s|^directory \"demo-root\" { }|directory \"demo-root\" { }\narchive \"many.tar\" { }|" demo.conf > many.conf
if timeout 120 "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o many.img many.conf; then
	dd if=many.img of=many.part bs=1M skip=1 status=none
	n=$(debugfs -R 'ls -p /srv/many' many.part 2>/dev/null | grep -c '/f[0-9][0-9][0-9]/')
	last=$(debugfs -R 'cat /srv/many/f599' many.part 2>/dev/null)
	[ "$n" = 600 ] && [ "$last" = 599 ] && ok "an archive of 600 entries: all 600 in the image" ||
		bad "600 entries: $n in the image, the last holds [$last]"
	rm -f many.img many.part
else
	bad "an archive of 600 entries: the build failed (or took over 120 s)"
fi
[ "$fails" = 0 ]
