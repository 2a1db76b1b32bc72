#!/bin/bash
# make-fixtures.sh DIR -- the hostile binary inputs of the bad-input
# catalogue, made afresh by run.sh (never committed).
#
# Every fixture is a valid input broken in exactly one way, made with
# standard tools: Python's tarfile and zipfile, a few lines of Python for
# cpio (newc) and nar framing, gzip -n, xz, zstd, lzip, bzip2, and Nix's own
# nix-store --dump and nix-hash for the valid nar and every NarHash.  The
# same tools give the same bytes, so the messages the cases expect (byte
# offsets included) do not move.
#
#   archives: DIR/*.tar, *.cpio, *.zip, *.tar.{gz,xz,zst,lz,bz2},
#     *.cpio.gz, each a small valid archive of srv/ (srv/hello.txt, 3996
#     bytes of text) broken one way, and DIR/ok.* the unbroken ones; the
#     *-crc ones also hold srv/noise.bin (16 KiB of seeded random bytes,
#     which gzip stores as they are) with one byte of it flipped, a
#     corruption only the gzip member's CRC-32 sees; *-bad-padding ones
#     are ok.tar followed by a second compressed stream of zeros whose
#     last check is broken; DIR/tar-long-name.tar,
#     tar-long-component.tar and tar-too-deep.tar, one pax entry each,
#     beyond PATH_MAX, ext2's 255-byte names and 256 levels;
#   directories: DIR/dangling, DIR/loop, DIR/emptylink (symlinks), DIR/fifo;
#   DIR/nul.conf, DIR/nul.graph: a configuration and a closure with a NUL;
#   substitutes: DIR/cache/, one cache: per case NAME (nar-*, narinfo-*)
#     the narinfo of the item /gnu/store/HASH-NAME, HASH being NAME
#     without its dashes padded with 0 to 32 characters (nar-bad-magic:
#     /gnu/store/narbadmagic000000000000000000000-nar-bad-magic), and its
#     nar in nar/, with NarHash and NarSize computed by nix-hash and wc -c
#     from the nar as stored (the uncompressed one when compressed), so
#     the one defect is the one intended; "ok" is the unbroken item, and
#     "ok-gz" and "ok-lz" the same nar compressed; nar-gz-bad-crc has the
#     gzip trailer's CRC-32 flipped (the nar itself intact);
#   DIR/key.pub a well-formed Ed25519 public key that signed nothing, and
#     DIR/not-a-key.pub a private-key s-expression;
#   DIR/big-params: a system item whose parameters file is 1 MiB + 1 byte.
#
# Exits 77 (skip) when a tool is missing; quickstart installs them all.
set -eu
[ $# = 1 ] || { echo "usage: make-fixtures.sh DIR" >&2; exit 2; }
out=$1
for tool in python3 gzip xz zstd lzip bzip2 nix-store nix-hash; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "make-fixtures.sh: $tool is missing" >&2; exit 77; }
done
mkdir -p "$out"
cd "$out"

# ---- archives, cpio and nar framing: Python, deterministic ----
python3 - <<'EOF'
import io, os, random, struct, tarfile, zipfile

hello = b"".join(b"line %04d of srv/hello.txt\n" % i for i in range(148))

def write(name, data):
    with open(name, "wb") as f:
        f.write(data)

# tar (ustar), every field fixed
def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, kind, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 1, 0, 0, "", ""
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif kind == "link":
                ti.type, ti.linkname, ti.mode = tarfile.LNKTYPE, data, 0o644
                t.addfile(ti)
            else:
                ti.size, ti.mode = len(data), 0o644
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()

ok = [("srv", "dir", None), ("srv/hello.txt", "file", hello)]
good = tar(ok)
write("ok.tar", good)
# 16 KiB of seeded noise, which gzip stores as it is: a byte flipped in
# it changes one byte of the data, and only the member's CRC-32 tells.
noise = random.Random(15).randbytes(16384)
write("ok-noise.tar", tar(ok + [("srv/noise.bin", "file", noise)]))
write("tar-truncated.tar", good[:512 * 2 + 2000])   # inside hello.txt's data
bad = bytearray(good)
bad[512] ^= 0x01                                      # srv/hello.txt's name
write("tar-bad-checksum.tar", bytes(bad))
write("tar-dotdot.tar", tar(ok + [("srv/../../etc/shadow", "file", b"x\n")]))
write("tar-absolute.tar", tar(ok + [("/etc/shadow", "file", b"x\n")]))
write("tar-hardlink-missing.tar", tar(ok + [("srv/link", "link", "srv/nowhere")]))

# Names beyond the limits: pax headers carry them.
def pax(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.size, ti.mode = 1, 2, 0o644
            t.addfile(ti, io.BytesIO(b"x\n"))
    return buf.getvalue()

write("tar-long-name.tar", pax(["srv/" + "n" * 5000]))       # > 4096 (PATH_MAX)
write("tar-long-component.tar", pax(["srv/" + "n" * 256]))   # > 255 (ext2)
write("tar-too-deep.tar", pax(["srv/" + "d/" * 256 + "f"]))  # > 256 levels

# cpio, the SVR4 "newc" format, written field by field
def cpio(entries):
    out, ino = b"", 1
    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        n = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            ino if name != "TRAILER!!!" else 0, mode, 0, 0, 1, 1,
            len(data), 0, 0, 0, 0, len(n), 0))
        out += hdr + n + b"\0" * (-(len(hdr) + len(n)) % 4)
        out += data + b"\0" * (-len(data) % 4)
        ino += 1
    return out

cok = [("srv", 0o40755, b""), ("srv/hello.txt", 0o100644, hello)]
cgood = cpio(cok)
write("ok.cpio", cgood)
write("ok-noise.cpio", cpio(cok + [("srv/noise.bin", 0o100644, noise)]))
write("cpio-truncated.cpio", cgood[:len(cgood) // 2])
at = cgood.index(b"srv/hello.txt") - 110             # its header
bad = bytearray(cgood)
bad[at + 6 + 6 * 8:at + 6 + 7 * 8] = b"0000ZZZZ"      # c_filesize, not hex
write("cpio-bad-header.cpio", bytes(bad))
write("cpio-dotdot.cpio", cpio(cok + [("srv/../../etc/shadow", 0o100644, b"x\n")]))
write("cpio-absolute.cpio", cpio(cok + [("/etc/shadow", 0o100644, b"x\n")]))

# zip: stored, so a flipped data byte is a CRC error and nothing else
def zipped(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            z.writestr(zi, data)
    return buf.getvalue()

zok = [("srv/", b""), ("srv/hello.txt", hello)]
zgood = zipped(zok)
write("ok.zip", zgood)
write("zip-truncated.zip", zgood[:zgood.index(hello) + 2000])
bad = bytearray(zgood)
bad[zgood.index(hello) + 2000] ^= 0x01               # hello.txt's data
write("zip-bad-crc.zip", bytes(bad))
# The central directory and the local headers disagree: libarchive reads
# the first, unzip -t checks both.
bad = bytearray(zgood)
bad[zgood.index(b"srv/hello.txt") + 4] = ord("X")    # local name srv/Xello.txt
write("zip-name-mismatch.zip", bytes(bad))
bad = bytearray(zgood)
bad[zgood.rindex(b"PK\x05\x06") + 4] = 1            # "this is disk 1"
write("zip-split.zip", bytes(bad))
bad = bytearray(zgood)
cd = zgood.index(b"PK\x01\x02")                      # 8 bytes before it
write("zip-stray-bytes.zip", zgood[:cd] + b"stray!!!" + zgood[cd:cd + 16] +
      (int.from_bytes(zgood[cd + 16:cd + 20], "little")).to_bytes(4, "little") +
      zgood[cd + 20:zgood.rindex(b"PK\x05\x06") + 16] +
      (cd + 8).to_bytes(4, "little") + zgood[zgood.rindex(b"PK\x05\x06") + 20:])
write("zip-dotdot.zip", zipped(zok + [("srv/../../etc/shadow", b"x\n")]))
write("zip-absolute.zip", zipped(zok + [("/etc/shadow", b"x\n")]))

write("not-an-archive.tar", b"This is a text file, not an archive.\n" * 20)
write("empty.tar", b"")

# nar: the framing of nix-store --dump (checked against it below)
def s(b):
    b = b if isinstance(b, bytes) else b.encode()
    return struct.pack("<Q", len(b)) + b + b"\0" * (-len(b) % 8)

def regular(data, exe=False):
    return (s("(") + s("type") + s("regular") +
            (s("executable") + s("") if exe else b"") +
            s("contents") + s(data) + s(")"))

def symlink(target):
    return s("(") + s("type") + s("symlink") + s("target") + s(target) + s(")")

def directory(entries):
    return (s("(") + s("type") + s("directory") +
            b"".join(s("entry") + s("(") + s("name") + s(n) + s("node") + node + s(")")
                     for n, node in entries) + s(")"))

def nar(node):
    return s("nix-archive-1") + node

run = b"#!/bin/sh\necho run\n"
item = [("bin", directory([("run", regular(run, True))])),
        ("hello.txt", regular(hello)),
        ("link", symlink("hello.txt"))]
write("item.nar.py", nar(directory(item)))

nars = {
    "nar-bad-magic": s("nix-archive-2") + directory(item),
    "nar-unknown-token": nar(directory(item[:1] + [
        ("hello.txt", s("(") + s("type") + s("regular") + s("size") + s(hello) + s(")"))]
        + item[2:])),
    "nar-dir-unknown-token": nar(s("(") + s("type") + s("directory") + s("member") +
        s("(") + s("name") + s("x") + s("node") + regular(b"x\n") + s(")") + s(")")),
    "nar-cut-after-regular": nar(s("(") + s("type") + s("regular")),
    "nar-unknown-type": nar(directory(item[:2] + [
        ("link", s("(") + s("type") + s("hardlink") + s("target") + s("hello.txt") + s(")"))])),
    "nar-unsorted": nar(directory([item[1], item[0], item[2]])),
    "nar-duplicate": nar(directory(item[:2] + [("hello.txt", regular(b"again\n"))])),
    "nar-slash-name": nar(directory(item + [("x/y", regular(b"x\n"))])),
    "nar-dotdot-name": nar(directory([("..", regular(b"x\n"))] + item)),
    "nar-empty-name": nar(directory([("", regular(b"x\n"))] + item)),
    "nar-nul-name": nar(directory(item + [("x\0y", regular(b"x\n"))])),
    "nar-empty-target": nar(directory(item[:2] + [("link", symlink(""))])),
    "nar-trailing-garbage": nar(directory(item)) + b"garbage!",
    # 64 bytes where "(" is expected: one more than the token buffer holds.
    "nar-long-token": s("nix-archive-1") + s("(" * 64) + directory(item)[8 + 8:],
}
# A string length of 2^62: the name of the first entry.
n = bytearray(nar(directory(item)))
at = n.index(s("name") + s("bin")) + len(s("name"))
n[at:at + 8] = struct.pack("<Q", 1 << 62)
nars["nar-huge-string"] = bytes(n)
# Padding that is not zero: after "run"'s contents (20 bytes, 4 of padding).
n = bytearray(nar(directory(item)))
at = n.index(run) + len(run)
n[at] = 0x2a
nars["nar-nonzero-padding"] = bytes(n)
nars["nar-truncated"] = nar(directory(item))[:1000]
deep = regular(b"x\n")
for _ in range(300):
    deep = directory([("d", deep)])
nars["nar-too-deep"] = nar(deep)
# A path the nar can hold (4066 bytes: 16 names of 250, then one of 50)
# but not with the item's name before it, in the image.
longp = directory([("f" * 50, regular(b"x\n"))])
for _ in range(16):
    longp = directory([("n" * 250, longp)])
nars["nar-long-path"] = nar(longp)
for name, data in nars.items():
    write(name + ".nar", data)

# The same item as a directory, for nix-store --dump.
os.makedirs("item/bin")
write("item/hello.txt", hello)
write("item/bin/run", run)
os.chmod("item/bin/run", 0o755)
os.symlink("hello.txt", "item/link")
EOF

# The valid item, dumped by Nix: it must be what the framing above makes.
nix-store --dump item > item.nar
cmp -s item.nar item.nar.py ||
	{ echo "make-fixtures.sh: the nar framing differs from nix-store --dump" >&2; exit 1; }
rm -rf item item.nar.py

# ---- compressed archives and nars ----
# Cut in the middle, or one byte flipped in the middle of the
# compressed data (far from the headers and the trailer).
halve() { head -c $(($(wc -c < "$1") / 2)) "$1"; }
flip() {
	local at=$(($(wc -c < "$1") / 2)) byte
	byte=$(od -An -tu1 -j "$at" -N1 "$1")
	cp "$1" "$2"
	printf %b "\\$(printf %03o $((byte ^ 255)))" |
		dd of="$2" bs=1 seek="$at" conv=notrunc status=none
}
# flip_at FILE OFFSET: the byte at OFFSET of FILE inverted, in place.
flip_at() {
	local byte
	byte=$(od -An -tu1 -j "$2" -N1 "$1")
	printf %b "\\$(printf %03o $((byte ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
gzip -9nc ok.tar > ok.tar.gz
xz -c ok.tar > ok.tar.xz
zstd -q -c ok.tar > ok.tar.zst
for ext in gz xz zst; do
	halve "ok.tar.$ext" > "tar-$ext-truncated.tar.$ext"
	flip "ok.tar.$ext" "tar-$ext-corrupt.tar.$ext"
done
# Corruption only a checksum sees (the compressed stream stays well
# formed): ok-noise.tar as one gzip member and as two (the first holding
# the first header only, so the middle of the file is in the second),
# and ok-noise.cpio gzipped, each flipped in the middle, in the noise.
# lzip and bzip2 of ok.tar, flipped in the middle.
gzip -9nc ok-noise.tar > ok-noise.tar.gz
{ head -c 1024 ok-noise.tar | gzip -9n; tail -c +1025 ok-noise.tar | gzip -9n; } \
	> ok-multi.tar.gz
gzip -9nc ok-noise.cpio > ok.cpio.gz
lzip -9c ok.tar > ok.tar.lz
bzip2 -9c ok.tar > ok.tar.bz2
flip ok-noise.tar.gz tar-gz-crc.tar.gz
flip ok-multi.tar.gz tar-gz-multi-crc.tar.gz
flip ok.cpio.gz cpio-gz-crc.cpio.gz
flip ok.tar.lz tar-lz-corrupt.tar.lz
flip ok.tar.bz2 tar-bz2-corrupt.tar.bz2
for f in tar-gz-crc.tar.gz tar-gz-multi-crc.tar.gz cpio-gz-crc.cpio.gz; do
	gzip -t "$f" 2>&1 | grep -q 'crc error' ||
		{ echo "make-fixtures.sh: $f is not a CRC-only corruption" >&2; exit 1; }
done
rm ok-noise.tar ok-noise.cpio
# A bzip2 file larger than libarchive's first read (64 KiB), cut inside
# its first 900 KiB block: the filter fails as it opens.
python3 - <<'EOF2'
import io, random, tarfile
data = random.Random(1).randbytes(400000)
with tarfile.open("big-noise.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    i = tarfile.TarInfo("srv/noise"); i.size = len(data); i.mtime = 1
    t.addfile(i, io.BytesIO(data))
EOF2
bzip2 -9c big-noise.tar | head -c 200000 > tar-bz2-first-block-cut.tar.bz2
rm big-noise.tar
# A gzip member inside an xz stream: libarchive unwraps both, but the
# gzip CRC-32 is checked on the raw file only, so this is refused.
xz -c ok.tar.gz > tar-gz-in-xz.tar.gz.xz
# Compressed streams holding nothing: whole and well formed, not archives.
gzip -9n < /dev/null > empty.tar.gz
xz < /dev/null > empty.tar.xz

# ok.tar, then a second stream of 1 MiB of zeros (read and ignored after
# the tar's end, as padding) whose last check is broken: only reading the
# file to its real end finds it.
head -c 1048576 /dev/zero > zeros
for c in "gzip -9n:gz" "xz:xz" "zstd -q:zst"; do
	z=${c%%:*} ext=${c#*:}
	$z -c zeros > "zeros.$ext"
	flip_at "zeros.$ext" $(($(wc -c < "zeros.$ext") - 5))
	cat "ok.tar.$ext" "zeros.$ext" > "tar-$ext-bad-padding.tar.$ext"
	rm "zeros.$ext"
done
rm zeros

gzip -9nc item.nar > item.nar.gz
xz -c item.nar > item.nar.xz
zstd -q -c item.nar > item.nar.zst

# ---- text inputs with a NUL byte (git would call them binary) ----
printf 'host-name = "a\0b"\n' > nul.conf
printf '/gnu/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item\n\n0\0\n' > nul.graph

# ---- directories ----
ln -s nowhere dangling
ln -s loop loop
mkdir emptydir
ln -s emptydir emptylink
mkfifo fifo

# ---- substitute caches ----
# NarHash of every nar, by nix-hash in one run (a run takes 0.1 s).
printf 'other\n' > other.nar
declare -A narhash
nars=(item.nar other.nar nar-*.nar)
mapfile -t hashes < <(nix-hash --type sha256 --flat --base32 "${nars[@]}")
for i in "${!nars[@]}"; do
	narhash[${nars[$i]}]=${hashes[$i]}
done

# The store path of the item of cache entry NAME: /gnu/store/HASH-NAME,
# HASH being NAME without its dashes, padded with 0 to 32 characters.
hash_of() {
	local h=${1//-/}00000000000000000000000000000000
	echo "${h:0:32}"
}
item_of() { echo "/gnu/store/$(hash_of "$1")-$1"; }

# cache NAME NARFILE [COMPRESSION [UNPACKED]]: the narinfo of NAME's item
# in cache/, and its nar, a copy of NARFILE, in cache/nar/; NarHash and
# NarSize are those of UNPACKED (default NARFILE).  The caller then
# breaks the narinfo with edit NAME SED-SCRIPT.
mkdir -p cache/nar
cache() {
	local name=$1 nar=$2 comp=${3:-none} plain=${4:-$2} ext='' h
	h=$(hash_of "$name")
	case $comp in gzip) ext=.gz ;; xz) ext=.xz ;; zstd) ext=.zst ;;
		lzip) ext=.lz ;; esac
	cp "$nar" "cache/nar/$h.nar$ext"
	{
		printf 'StorePath: %s\n' "$(item_of "$name")"
		printf 'URL: nar/%s.nar%s\n' "$h" "$ext"
		printf 'Compression: %s\n' "$comp"
		printf 'NarHash: sha256:%s\n' "${narhash[$plain]}"
		printf 'NarSize: %s\n' "$(wc -c < "$plain")"
		printf 'References: \n'
		printf 'System: i586-gnu\n'
	} > "cache/$h.narinfo"
}
edit() { sed -i "$2" "cache/$(hash_of "$1").narinfo"; }

cache ok item.nar
for n in nar-*.nar; do
	cache "${n%.nar}" "$n"
done
for comp in gzip:gz xz:xz zstd:zst; do
	c=${comp%%:*} ext=${comp#*:}
	halve "item.nar.$ext" > "item-truncated.nar.$ext"
	flip "item.nar.$ext" "item-corrupt.nar.$ext"
	cache "nar-$ext-truncated" "item-truncated.nar.$ext" "$c" item.nar
	cache "nar-$ext-corrupt" "item-corrupt.nar.$ext" "$c" item.nar
	rm "item-truncated.nar.$ext" "item-corrupt.nar.$ext"
done
# The nar intact and its gzip trailer's CRC-32 flipped: the NarHash
# matches, only the gzip check sees it.  And an lzip nar flipped in the
# middle.
cp item.nar.gz item-bad-crc.nar.gz
flip_at item-bad-crc.nar.gz $(($(wc -c < item.nar.gz) - 8))
cache nar-gz-bad-crc item-bad-crc.nar.gz gzip item.nar
lzip -9c item.nar > item.nar.lz
flip item.nar.lz item-corrupt.nar.lz
cache nar-lz-corrupt item-corrupt.nar.lz lzip item.nar
cache ok-gz item.nar.gz gzip item.nar
cache ok-lz item.nar.lz lzip item.nar
rm item-bad-crc.nar.gz item-corrupt.nar.lz
rm nar-*.nar item.nar.*

gone=$(item_of gone)
for n in no-narhash no-url no-narsize bad-narhash narhash-mismatch narsize-mismatch \
	 narsize-not-a-number storepath-mismatch unknown-compression \
	 second-url missing-nar url-leaves-cache missing-reference \
	 not-key-value nul unsigned bad-signature; do
	cache "narinfo-$n" item.nar
done
edit narinfo-no-narhash '/^NarHash: /d'
edit narinfo-no-url '/^URL: /d'
edit narinfo-no-narsize '/^NarSize: /d'
edit narinfo-bad-narhash 's/^NarHash: sha256:.*/NarHash: sha256:not-base32-at-all/'
edit narinfo-narhash-mismatch "s/^NarHash: .*/NarHash: sha256:${narhash[other.nar]}/"
edit narinfo-narsize-mismatch 's/^NarSize: \([0-9]*\)/NarSize: 1\1/'
edit narinfo-narsize-not-a-number 's/^NarSize: .*/NarSize: 12k/'
edit narinfo-storepath-mismatch "s|^StorePath: .*|StorePath: $gone|"
edit narinfo-unknown-compression 's/^Compression: .*/Compression: rar/'
edit narinfo-second-url 's|^URL: .*|&\nURL: nar/elsewhere.nar|'
rm "cache/nar/$(hash_of narinfo-missing-nar).nar"
edit narinfo-url-leaves-cache 's|^URL: .*|URL: ../ok.tar|'
edit narinfo-missing-reference "s|^References: .*|References: ${gone##*/}|"
edit narinfo-not-key-value "\$a this line is no field"
edit narinfo-nul 's/^System: .*/Deriver: x\x00y.drv/'
edit narinfo-bad-signature "\$a Sig: not-a-signature"
cache narinfo-long-line item.nar
printf 'Deriver: %09000d.drv\n' 0 >> "cache/$(hash_of narinfo-long-line).narinfo"
cache narinfo-too-big item.nar
head -c $((1 << 20)) /dev/zero | tr '\0' '\n' >> "cache/$(hash_of narinfo-too-big).narinfo"
rm item.nar other.nar

# A public key (an arbitrary curve point) that signed none of the above.
printf '(public-key (ecc (curve Ed25519) (q #%s#)))\n' \
	"$(printf '%064d' 0 | tr 0 7)" > key.pub
printf '(private-key (ecc (curve Ed25519)))\n' > not-a-key.pub

# The refusals of archives beyond names: an entry through a symlink the
# archive made, one name as two types, and decompression bombs (80 MiB of
# zeros: far past max-ratio, past the 64 MiB floor) as tar.xz, tar.zst
# and zip.  And a directory tree 11 levels deep.
python3 - <<'EOF2'
import io, tarfile, zipfile
def add(t, name, typ=tarfile.REGTYPE, data=b"", link=""):
    i = tarfile.TarInfo(name); i.type = typ; i.linkname = link; i.mtime = 1
    i.mode = 0o755 if typ == tarfile.DIRTYPE else 0o644
    i.size = len(data) if typ == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if typ == tarfile.REGTYPE else None)
with tarfile.open("tar-through-symlink.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    add(t, "srv", tarfile.DIRTYPE); add(t, "srv/etc", tarfile.SYMTYPE, link="/etc")
    add(t, "srv/etc/shadow", data=b"root::0:0:99999:7:::\n")
with tarfile.open("tar-two-types.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    add(t, "srv", tarfile.DIRTYPE); add(t, "srv/x", tarfile.DIRTYPE)
    add(t, "srv/x", data=b"now a file\n")
# xattrs 4 bytes over one block: 32 + 4 of header, an entry of 24 for
# the name "abcde" (16 + 5, rounded up to 4), 4040 of value: 4100.
with tarfile.open("tar-xattr-block.tar", "w", format=tarfile.PAX_FORMAT) as t:
    add(t, "srv", tarfile.DIRTYPE)
    i = tarfile.TarInfo("srv/f"); i.size = 2; i.mtime = 1; i.mode = 0o644
    i.pax_headers = {"SCHILY.xattr.user.abcde": "x" * 4040}
    t.addfile(i, io.BytesIO(b"x\n"))
with tarfile.open("tar-device-twice.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    add(t, "srv", tarfile.DIRTYPE); add(t, "srv/d", tarfile.BLKTYPE)
    add(t, "srv/d", tarfile.FIFOTYPE)
with tarfile.open("tar-bomb.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    i = tarfile.TarInfo("srv/zeros"); i.size = 80 << 20; i.mtime = 1
    class Zeros(io.RawIOBase):
        left = 80 << 20
        def readinto(self, b):
            n = min(len(b), self.left); b[:n] = bytes(n); self.left -= n; return n
    t.addfile(i, Zeros())
with zipfile.ZipFile("zip-bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    zi = zipfile.ZipInfo("srv/zeros", (1980, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    with z.open(zi, "w", force_zip64=False) as f:
        for _ in range(80):
            f.write(bytes(1 << 20))
EOF2
xz -1 -T1 -c tar-bomb.tar > tar-bomb.tar.xz
zstd -q -3 -c tar-bomb.tar > tar-bomb.tar.zst
rm tar-bomb.tar
mkdir -p deep-tree/1/2/3/4/5/6/7/8/9/10
# A system item whose parameters file is one byte over the 1 MiB read.
p=big-params/gnu/store/7bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-system
mkdir -p $p && head -c $(((1 << 20) + 1)) /dev/zero | tr '\0' ' ' > $p/parameters
# Two names of one file, the second where an earlier source has a
# directory: hardlink/x/a-first and hardlink/x/b-link, and
# hardlink-dir/x/b-link/.
mkdir -p hardlink/x hardlink-dir/x/b-link
printf 'two names\n' > hardlink/x/a-first
ln hardlink/x/a-first hardlink/x/b-link
# One file with a name in /home/u and one outside it, /home being a
# partition of its own: hardlink-part/home/u/a and hardlink-part/b.
mkdir -p hardlink-part/home/u
printf 'one file, two file systems\n' > hardlink-part/home/u/a
ln hardlink-part/home/u/a hardlink-part/b
# Where translators go: /dev a regular file (no /dev/null can be made);
# /dev/vcs a regular file (kept as the console's node, but /dev/vcs/1
# cannot be made under it).
mkdir -p dev-is-a-file vcs-is-a-file/dev
printf 'not a directory\n' > dev-is-a-file/dev
printf 'not a directory\n' > vcs-is-a-file/dev/vcs
# A file's second name one level deeper than max-depth 8 allows, its
# first name (0-file, walked first) where it may be.
mkdir -p deep-link/1/2/3/4/5/6/7
printf 'one file\n' > deep-link/0-file
ln deep-link/0-file deep-link/1/2/3/4/5/6/7/link
