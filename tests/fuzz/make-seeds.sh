#!/bin/sh
# make-seeds.sh [integrity] -- (re)make the seed corpora in tests/fuzz/corpus/.
# The seeds are committed; this records how they were made.  Needs
# nix-bin (nix-store --dump), bsdtar, cpio, zip, xz, zstd, gzip, lzip,
# bzip2, python3.
#
# "integrity" remakes only the corrupt-* seeds of compressed inputs
# (issue 15) and leaves every other seed as it is.  The sweep-* seeds are
# not made here: they are the mutated files of tests/integration/
# corruption.sh that showed a difference against the code before the
# gzip fix (commit 2a954f4), kept with CORRUPTION_KEEP=DIR and copied in
# as sweep-NAME (archives to archive/, nars to nar/); neither mode
# removes them.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$here/../..
c=$here/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Compressed data whose corruption only a checksum sees, each with a
# corrupt middle: a ustar of 6000 seeded random bytes (which gzip stores
# as they are) in one gzip member and in two (the middle then in the
# second), lzip, and a gzipped newc cpio of it; a gzip nar with its
# trailer's CRC-32 flipped, and the same nar as xz, zstd, lzip and bzip2.
integrity_seeds() {
	rm -f "$c"/archive/corrupt-* "$c"/nar/corrupt-* "$c"/nar/tree.nar.*
	python3 - "$c" "$tmp/i" <<'PY'
import io, os, random, subprocess, sys, tarfile
c, tmp = sys.argv[1], sys.argv[2]
os.makedirs(tmp, exist_ok=True)
noise = random.Random(15).randbytes(6000)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    ti = tarfile.TarInfo("noise.bin")
    ti.size, ti.mtime, ti.mode = len(noise), 1, 0o644
    t.addfile(ti, io.BytesIO(noise))
tar = buf.getvalue()
def newc(name, data):
    n = name.encode() + b"\0"
    out = b""
    for nm, mode, d in ((n, 0o100644, data), (b"TRAILER!!!\0", 0, b"")):
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            1, mode, 0, 0, 1, 1, len(d), 0, 0, 0, 0, len(nm), 0))
        out += hdr + nm + b"\0" * (-(len(hdr) + len(nm)) % 4) + d + b"\0" * (-len(d) % 4)
    return out
def z(cmd, data):
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout
def flip(data, at=None):
    b = bytearray(data)
    b[len(b) // 2 if at is None else at] ^= 0xff
    return bytes(b)
def write(name, data):
    with open(os.path.join(c, name), "wb") as f:
        f.write(data)
write("archive/corrupt-crc.tar.gz", flip(z(["gzip", "-9n"], tar)))
write("archive/corrupt-multi.tar.gz", flip(z(["gzip", "-9n"], tar[:512]) + z(["gzip", "-9n"], tar[512:])))
write("archive/corrupt.tar.lz", flip(z(["lzip", "-9"], tar)))
write("archive/corrupt-crc.cpio.gz", flip(z(["gzip", "-9n"], newc("noise.bin", noise))))
nar = open(os.path.join(c, "nar/tree.nar"), "rb").read()
gz = z(["gzip", "-9n"], nar)
write("nar/corrupt-crc.nar.gz", flip(gz, len(gz) - 8))
for cmd, ext in ((["xz", "-T1"], "xz"), (["zstd", "-q"], "zst"), (["lzip"], "lz"), (["bzip2"], "bz2")):
    write("nar/tree.nar." + ext, z(cmd, nar))
PY
}

if [ "${1-}" = integrity ]; then
	integrity_seeds
	echo "integrity seeds in $c"
	exit 0
fi
find "$c" -type f ! -name 'sweep-*' -delete 2>/dev/null || true
mkdir -p "$c/config" "$c/graph" "$c/narinfo" "$c/nar" "$c/archive" "$c/params"

for f in "$top"/examples/*.conf "$top"/tests/bad-input/*.conf; do
	cp "$f" "$c/config/$(basename "$f")"
done

# A Guix system's boot parameters: the demo store's (version 1, a label),
# a UUID root and the old version 0 with a plain device.
"$top/examples/make-demo-store.sh" "$tmp/store" >/dev/null
p=$(echo "$tmp"/store/gnu/store/*-system/parameters)
cp "$p" "$c/params/demo.parameters"
sed 's/(root-device (file-system-label "hurd"))/(root-device (uuid dce #vu8(18 52 86 120 154 188 222 240 1 35 69 103 137 171 205 239)))/' \
	"$p" > "$c/params/uuid.parameters"
sed 's/(version 1)/(version 0)/; s|(root-device (file-system-label "hurd"))|(root-device "/dev/hd0s1")|; s/"console=com0"/"noide" "console=com0" "a\\"b\\x41;"/' \
	"$p" > "$c/params/v0.parameters"

a=/gnu/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item
b=/gnu/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-dep
printf '%s\n\n1\n%s\n%s\n%s\n0\n' "$a" "$b" "$b" /gnu/store/dddddddddddddddddddddddddddddddd-dep.drv > "$c/graph/valid.graph"
printf '%s\n%s\n' "$a" "$b" > "$c/graph/gc-list.graph"
cp "$top"/tests/bad-input/*.graph "$c/graph/"

# A small tree with every kind of object.
t=$tmp/tree
mkdir -p "$t/dir/sub" "$t/empty"
printf 'hello\n' > "$t/dir/file"
printf '#!/bin/sh\n' > "$t/dir/exec"; chmod 755 "$t/dir/exec"
ln -s file "$t/dir/link"
ln "$t/dir/file" "$t/dir/hard"
: > "$t/zero"
head -c 20000 /dev/zero > "$t/dir/sub/zeros"
nix-store --dump "$t/dir/file" > "$c/nar/regular.nar"
nix-store --dump "$t/dir/exec" > "$c/nar/executable.nar"
nix-store --dump "$t/dir/link" > "$c/nar/symlink.nar"
rm "$t/dir/hard"
nix-store --dump "$t" > "$c/nar/tree.nar"

h=1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s
printf 'StorePath: %s\nURL: nar/aaaa.nar.xz\nCompression: xz\nFileSize: 120\nNarHash: sha256:%s\nNarSize: 120\nReferences: %s %s\nDeriver: %s\nSig: x\n' \
	"$a" "$h" "${a##*/}" "${b##*/}" dddddddddddddddddddddddddddddddd-item.drv > "$c/narinfo/full.narinfo"
printf 'StorePath: %s\nURL: nar/aaaa.nar\nCompression: none\nNarHash: sha256:%s\nNarSize: 8\nReferences: \n' \
	"$a" "$(printf '%064d' 0)" > "$c/narinfo/hex.narinfo"
printf 'StorePath: %s\nURL: nar/bbbb.nar.zst\nCompression: zstd\nNarHash: sha256:%s\nNarSize: 64\nReferences: \nSignature: 1;guix;(signature (data (flags rfc6979) (hash sha256 #00#)) (sig-val (ecdsa (r #01#) (s #02#))) (public-key (ecc (curve Ed25519) (q #03#))))\n' \
	"$b" "$h" > "$c/narinfo/signed.narinfo"

ln "$t/dir/file" "$t/dir/hard"
(cd "$t" && bsdtar --format ustar -cf "$c/archive/ustar.tar" .)
(cd "$t" && bsdtar --format pax -czf "$c/archive/pax.tar.gz" .)
(cd "$t" && bsdtar --format gnutar -cJf "$c/archive/gnu.tar.xz" .)
(cd "$t" && bsdtar --format pax --zstd -cf "$c/archive/pax.tar.zst" .)
(cd "$t" && find . | LC_ALL=C sort | cpio --quiet -o -H newc > "$c/archive/newc.cpio")
(cd "$t" && find . | LC_ALL=C sort | cpio --quiet -o -H odc | gzip -9n > "$c/archive/odc.cpio.gz")
(cd "$t" && zip -qry "$c/archive/tree.zip" .)
truncate -s 1M "$t/sparse" && printf 'data' | dd of="$t/sparse" bs=1 seek=500000 conv=notrunc 2>/dev/null
(cd "$t" && tar --sparse --format=gnu -cf "$c/archive/sparse.tar" sparse)
# Hostile ones: an entry through a symlink, a name twice as two types,
# a hard link to itself.
python3 - "$c/archive" <<'PY'
import io, sys, tarfile
def add(t, name, typ=tarfile.REGTYPE, data=b"", link=""):
    i = tarfile.TarInfo(name); i.type = typ; i.linkname = link; i.mtime = 1
    i.size = len(data) if typ == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if typ == tarfile.REGTYPE else None)
with tarfile.open(sys.argv[1] + "/through-symlink.tar", "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "etc", tarfile.SYMTYPE, link="/etc"); add(t, "etc/passwd", data=b"x")
with tarfile.open(sys.argv[1] + "/two-types.tar", "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "a", tarfile.DIRTYPE); add(t, "a", data=b"x"); add(t, "b", data=b"1"); add(t, "b", data=b"22")
with tarfile.open(sys.argv[1] + "/self-link.tar", "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "f", data=b"x"); add(t, "f", tarfile.LNKTYPE, link="f")
PY
integrity_seeds
echo "seeds in $c: $(find "$c" -type f | wc -l) files"
