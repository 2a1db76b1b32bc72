#!/bin/bash
# scale.sh -- the scan, the copies and --threads: the same bytes whatever
# does the work, and every byte where it belongs.
#
# A tree of the shapes the scan and the copies meet: 3,000 files in one
# directory (one of them, in the middle, with a user xattr among the
# thousands without), directories of a hundred files, hard links across
# directories (500 files with a second name), symlinks short and long,
# empty files, a file with holes, a file of 3 MiB and one byte, a
# directory with an xattr, 300 empty directories; built with 256 file
# descriptors at most.  Built raw and
# qcow2 with --threads 1 (no helper thread), 2 and 5: the raw images are
# the same bytes, the qcow2 images too, and the raw one holds the same
# disk as the qcow2 one (qemu-img compare).  check-image.sh judges the raw
# image: e2fsck, every entry by debugfs against the host (type, mode,
# size, contents, links, holes), and the xattrs by debugfs ea_get.  Under
# strace, the writer opens each host directory at most once.
. "$(dirname "$0")/lib.sh"
need_gnumach
command -v python3 >/dev/null || skip "no python3"
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
python3 - <<'EOF' || exit 1
import os, random
rng = random.Random(14)
os.makedirs("tree/flat")
for i in range(3000):
    with open("tree/flat/file-with-a-longish-name-%04d.txt" % i, "wb") as f:
        f.write(rng.randbytes(rng.randrange(3001)))
for a in range(5):
    d = "tree/dirs/d%d" % a
    os.makedirs(d)
    for i in range(100):
        with open("%s/f%03d" % (d, i), "wb") as f:
            f.write(rng.randbytes(rng.randrange(9000)))
for i in range(300):  # more directories than the 256 descriptors below
    os.makedirs("tree/many-dirs/d%03d" % i)
os.makedirs("tree/links")
for a in range(5):  # 500 files with a second name: the walk's table of
    for i in range(100):  # inodes seen twice grows past 256
        os.link("tree/dirs/d%d/f%03d" % (a, i), "tree/links/d%d-f%03d" % (a, i))
os.link("tree/dirs/d0/f001", "tree/dirs/d4/hard-link")
os.link("tree/flat/file-with-a-longish-name-0007.txt", "tree/dirs/d1/hard-link")
os.symlink("f002", "tree/dirs/d0/short-link")
os.symlink("x" * 200, "tree/dirs/d0/long-link")
for name in ("empty-1", "empty-2"):
    open("tree/dirs/" + name, "wb").close()
with open("tree/big", "wb") as f:
    f.write(rng.randbytes(3 * 1024 * 1024 + 1))
with open("tree/holes", "wb") as f:
    f.truncate(5 * 1024 * 1024)
    f.seek(2 * 1024 * 1024 + 5)
    f.write(b"middle")
EOF
: > xattrs
if setx() { python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$@"; } &&
	setx tree/flat/file-with-a-longish-name-1500.txt user.scale "one among thousands" 2>/dev/null &&
	setx tree/dirs user.dir yes 2>/dev/null; then
	printf '/srv/tree/flat/file-with-a-longish-name-1500.txt\tuser.scale\tone among thousands\n' >> xattrs
	printf '/srv/tree/dirs\tuser.dir\tyes\n' >> xattrs
else
	echo "  (no user xattrs on this file system: not checked)"
fi
sed 's|^directory "demo-root" { }|&\ndirectory "tree" { target = "/srv/tree" }|' \
	"$top_srcdir/examples/demo.conf" > scale.conf
# (bounded: a scan that loops must fail here, not hang the suite; and
# 256 descriptors, which a scan that kept one per directory or per file
# would run out of)
ulimit -n 256
mk() { timeout 120 "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }

for fmt in raw qcow2; do
	for n in 1 2 5; do
		mk -t hurd-$fmt --threads $n -o t$n.$fmt scale.conf ||
			{ bad "$fmt --threads $n: build failed (or over 120 s)"; exit 1; }
	done
	if cmp -s t1.$fmt t2.$fmt && cmp -s t1.$fmt t5.$fmt; then
		ok "$fmt: --threads 1, 2 and 5 give the same bytes"
	else
		bad "$fmt: the thread count changes the image: $(cmp t1.$fmt t2.$fmt) $(cmp t1.$fmt t5.$fmt)"
	fi
done
if command -v qemu-img >/dev/null; then
	qemu-img compare -q t2.raw t2.qcow2 && ok "the raw and the qcow2 image hold the same disk" ||
		bad "raw and qcow2 differ: $(qemu-img compare t2.raw t2.qcow2 2>&1 | head -1)"
fi
# Each host directory the writer opens a file in is opened once (an
# O_PATH descriptor, kept while the sorted walk is in it), and its
# ancestors once: no more opens than there are such directories.
if command -v strace >/dev/null; then
	# (LeakSanitizer cannot run under ptrace: off for this one build.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat -o open.trace timeout 120 "$MKHURDIMG" -q \
		--types-dir "$top_srcdir/image-types" -t hurd-raw --threads 1 \
		-o s.raw scale.conf || bad "the build under strace failed"
	dirs=$(find demo-root tree -type f -size +0 -printf '%h\n' | sort -u |
		awk -F/ '{ p = $1; print p; for (i = 2; i <= NF; i++) { p = p "/" $i; print p } }' |
		sort -u | wc -l)
	opens=$(grep -c 'O_PATH' open.trace)
	[ "$opens" -gt 0 ] && [ "$opens" -le "$dirs" ] &&
		ok "the writer opened host directories $opens times: at most once each of the $dirs holding files or above them" ||
		bad "the writer opened host directories $opens times, for $dirs holding files or above them"
else
	echo "  skip: strace missing: the directories' opens are not counted"
fi
args=()
[ -s xattrs ] && args=(--xattrs xattrs)
if bash "$here/check-image.sh" t2.raw tree --subdir /srv/tree "${args[@]}" >ci.out 2>&1; then
	ok "check-image.sh: $(grep -c ': ok' ci.out) checks pass"
else
	bad "check-image.sh: $(grep -i fail ci.out | head -5)"
fi
[ "$fails" = 0 ]
