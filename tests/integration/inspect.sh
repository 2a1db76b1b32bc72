#!/bin/bash
# inspect.sh -- mkhurdimg inspect, field by field against tools no one here
# wrote: sfdisk -J (the partition table), dumpe2fs -h (the file system),
# debugfs (ls -l, cat, rdump, ea_get, stat: listings, files, translators),
# qemu-img convert (qcow2 to raw), xz (core.img's LZMA stream), Guix's
# translator table (guix-translators.sh); the same output for a raw image
# and its qcow2 and compressed qcow2; a bare file system (mke2fs, no
# partition table); a damaged superblock refused as e2fsck refuses it,
# libext2fs's errors in words; a FIFO refused, not waited on; the image
# never written; errors.
. "$(dirname "$0")/lib.sh"
need_gnumach
command -v qemu-img >/dev/null || skip "qemu-img missing"
command -v python3 >/dev/null || skip "python3 missing"
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
cp "$top_srcdir/examples/demo.conf" .
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }
insp() { "$MKHURDIMG" inspect "$@"; }
# py EXPR FILE: EXPR evaluated with j = the JSON in FILE.
py() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$2"; }
OFF='?offset=1048576'

mk -t hurd-raw -o x.img demo.conf || { bad "raw build"; exit 1; }
mk -t hurd-qcow2 -o q.qcow2 demo.conf || bad "qcow2 build"
mk -t hurd-qcow2 --compress -o z.qcow2 demo.conf || bad "compressed qcow2 build"
mk -t hurd-qcow2 --compress --cluster-size 2M -o z2.qcow2 demo.conf || bad "2 MiB compressed build"
sum0=$(cat x.img q.qcow2 z.qcow2 | sha256sum)
stat0=$(stat -c %Y.%s x.img q.qcow2 z.qcow2)

# ---- one output whatever the container ----
insp x.img > x.txt && insp --json x.img > x.json || bad "inspect x.img failed: $(insp x.img 2>&1 | tail -1)"
same=1
for f in q.qcow2 z.qcow2 z2.qcow2; do
	insp "$f" > "$f.txt" && insp "$f" --json > "$f.json" || bad "inspect $f failed"
	cmp -s x.txt "$f.txt" && cmp -s x.json "$f.json" || { same=0; bad "$f: output differs from the raw image's: $(diff x.txt "$f.txt" | head -3)"; }
done
[ "$same" = 1 ] && ok "raw, qcow2, compressed qcow2 (64 KiB and 2 MiB clusters): identical text and JSON"
python3 -m json.tool x.json >/dev/null && ok "--json is valid JSON (python3 -m json.tool)" || bad "invalid JSON"
command -v jq >/dev/null && { jq -e '.partitions and .filesystem and .grub and .translators' x.json >/dev/null &&
	ok "jq reads it: partitions, filesystem, grub, translators" || bad "jq: $(jq . x.json 2>&1 | head -2)"; }

# ---- the partition table: sfdisk -J ----
sfdisk -J x.img > sf.json 2>/dev/null || bad "sfdisk -J"
got=$(py '[(p["start"], p["sectors"], "%x" % p["type"], p["bootable"]) for p in j["partitions"]], j["disk"]["signature"]' x.json)
want=$(py '[(p["start"], p["size"], p["type"].lstrip("0") or "0", p.get("bootable", False)) for p in j["partitiontable"]["partitions"]], j["partitiontable"]["id"]' sf.json)
[ "$got" = "$want" ] && ok "partition table = sfdisk -J: $got" || bad "partitions: inspect $got, sfdisk $want"
[ "$(py 'j["disk"]["size"]' x.json)" = "$(stat -c %s x.img)" ] && ok "disk size = the raw file's size" || bad "disk size"
grep -q "^  1 *2048 *[0-9]* 0x83  \*$" x.txt && ok "text: partition 1 at 2048, 0x83, bootable" || bad "text partition line: $(grep -A2 '^Partitions' x.txt)"

# ---- the file system: dumpe2fs -h, on the raw image and on qemu-img's conversion ----
qemu-img convert -O raw z.qcow2 zconv.img || bad "qemu-img convert"
for img in x.img zconv.img; do
	h=$(dumpe2fs -h "$img$OFF" 2>/dev/null)
	field() { printf '%s\n' "$h" | sed -n "s/^$1:[[:space:]]*//p"; }
	want="$(field 'Filesystem OS type')|$(field 'Block size')|$(field 'Inode size')|$(field 'Filesystem revision #' | cut -d' ' -f1)|$(field 'Filesystem features')|$(field 'Filesystem volume name')|$(field 'Filesystem UUID')|$(field 'Block count')|$(field 'Free blocks')|$(field 'Inode count')|$(field 'Free inodes')"
	got=$(py '"|".join(str(x) for x in [j["filesystem"][k] for k in ("os","block_size","inode_size","revision")] + [" ".join(j["filesystem"]["features"])] + [j["filesystem"][k] for k in ("label","uuid","blocks","free_blocks","inodes","free_inodes")])' x.json)
	[ "$got" = "$want" ] && ok "file system = dumpe2fs -h of $img: $got" || bad "file system: inspect [$got], dumpe2fs of $img [$want]"
done
grep -q '^  Features:      ext_attr sparse_super large_file$' x.txt && grep -q '^  OS type:       Hurd$' x.txt &&
	ok "text: OS type Hurd, features ext_attr sparse_super large_file" || bad "text fs: $(sed -n '/^File system/,/^GRUB/p' x.txt)"

# ---- GRUB ----
debugfs -R "dump /boot/grub/i386-pc/core.img core.img" "x.img$OFF" >/dev/null 2>&1
n=$(stat -c %s core.img)
dd if=x.img bs=512 skip=1 count=$(((n + 511) / 512)) status=none | head -c "$n" | cmp -s - core.img &&
	ok "core.img ($n bytes, from debugfs) is at LBA 1" || bad "core.img not at LBA 1"
bl=$(od -An -tu2 -j $((512 + 0x1f4 + 8)) -N 2 x.img | tr -d ' ')
got=$(py '(j["grub"]["boot_img"], j["grub"]["core_lba"], j["grub"]["core_sectors"], j["grub"]["core_bytes"])' x.json)
[ "$got" = "(True, 1, $((bl + 1)), $n)" ] && ok "grub: boot.img, core.img at LBA 1, $((bl + 1)) sectors (blocklist + 1), $n bytes (debugfs)" ||
	bad "grub: $got, want (True, 1, $((bl + 1)), $n)"
# The prefix: decode core.img's LZMA stream with xz (lc3 lp0 pb2 = 0x5d).
python3 - core.img > prefix.want <<'EOF'
import struct, subprocess, sys
d = open(sys.argv[1], 'rb').read()
cs, us = struct.unpack_from('<II', d, 0x208)
hdr = bytes([0x5d]) + struct.pack('<I', 1 << 16) + struct.pack('<Q', us)
u = subprocess.run(['xz', '-dc', '--format=lzma'], input=hdr + d[-cs:], capture_output=True).stdout
i = u.rfind(b'mimg')
m, off, size = struct.unpack_from('<III', u, i)
p = i + off
while p < i + size:
    t, s = struct.unpack_from('<II', u, p)
    if t == 3:
        print(u[p + 8:p + s].split(b'\0')[0].decode())
    p += s
EOF
[ "$(py 'j["grub"]["prefix"]' x.json)" = "$(cat prefix.want)" ] && [ "$(cat prefix.want)" = "(,msdos1)/boot/grub" ] &&
	ok "grub prefix = what xz decodes from core.img: $(cat prefix.want)" || bad "prefix: $(py 'j["grub"]["prefix"]' x.json), xz: $(cat prefix.want)"
debugfs -R "cat /boot/grub/grub.cfg" "x.img$OFF" 2>/dev/null | sed -n "s/^menuentry '\(.*\)' {$/\1/p" > titles.want
py '"\n".join(j["grub"]["menu_entries"])' x.json > titles.got
[ -s titles.want ] && cmp -s titles.want titles.got && ok "menu entries = grub.cfg's (debugfs cat): $(cat titles.got)" ||
	bad "menu entries: [$(cat titles.got)], want [$(cat titles.want)]"
# Another prefix: a grub-mkimage that is given -p '(hd0,msdos1)/boot/grub'.
cat > mkimage <<'EOF'
#!/bin/sh
for a; do shift; [ "$a" = "(,msdos1)/boot/grub" ] && a="(hd0,msdos1)/boot/grub"; set -- "$@" "$a"; done
exec grub-mkimage "$@"
EOF
chmod +x mkimage
sed "s|^bootloader {|&\n  grub-mkimage = \"$PWD/mkimage\"|" demo.conf > p.conf
mk -t hurd-raw -o p.img p.conf && [ "$(insp --json p.img | python3 -c 'import json,sys; print(json.load(sys.stdin)["grub"]["prefix"])')" = "(hd0,msdos1)/boot/grub" ] &&
	ok "a core.img made with -p '(hd0,msdos1)/boot/grub' shows that prefix" || bad "prefix of p.img: $(insp p.img | grep Prefix)"

# ---- translators: Guix's table, debugfs ea_get, legacy blocks ----
# shellcheck source=guix-translators.sh
. "$here/guix-translators.sh"
guix_translator_table | awk -F'|' '{ print $1 "|xattr|" $3 }' | LC_ALL=C sort > tt.want
py '"\n".join(t["path"] + "|" + t["kind"] + "|" + " ".join(t["argv"]) for t in j["translators"])' x.json | LC_ALL=C sort > tt.got
cmp -s tt.want tt.got && ok "translators = Guix's table: $(wc -l < tt.got) paths, kind xattr, same argv" ||
	bad "translators differ from Guix's table: $(diff tt.want tt.got | head -4)"
py '"\n".join(t["path"] for t in j["translators"])' x.json > paths
mkdir vals && i=0
while read -r p; do i=$((i + 1)); echo "ea_get -f vals/$i $p gnu.translator"; done < paths > cmds
debugfs -f cmds "x.img$OFF" >/dev/null 2>&1
python3 - x.json <<'EOF' && ok "every argv, NUL-joined, = debugfs ea_get's bytes" || bad "argv differs from ea_get"
import json, sys
j = json.load(open(sys.argv[1]))
for i, t in enumerate(j["translators"], 1):
    want = open("vals/%d" % i, "rb").read()
    got = b"".join(w.encode() + b"\0" for w in t["argv"])
    if got != want:
        print("  %s: %r != %r" % (t["path"], got, want)); sys.exit(1)
EOF
grep -q '^  /dev/console  *xattr  */hurd/term /dev/console device console$' x.txt &&
	ok "text: /dev/console  xattr  /hurd/term /dev/console device console" || bad "text translator line"

sed 's/^kernel-arguments = {}/&\ntranslator-format = "legacy"/' demo.conf > legacy.conf
mk -t hurd-raw -o l.img legacy.conf || bad "legacy build"
insp --json l.img > l.json || bad "inspect l.img"
[ "$(py 'sorted(set(t["kind"] for t in j["translators"]))' l.json)" = "['legacy']" ] &&
	[ "$(py 'len(j["translators"])' l.json)" = 94 ] && ok "legacy image: 94 records, all kind legacy" || bad "legacy kinds: $(py 'set(t["kind"] for t in j["translators"])' l.json)"
tb=$(debugfs -R "stat /dev/console" "l.img$OFF" 2>/dev/null | sed -n 's/.*Translator: \([0-9]*\).*/\1/p')
dd if=l.img bs=4096 skip=$((256 + tb)) count=1 status=none > tblock
python3 - l.json <<'EOF' && ok "legacy /dev/console argv = its i_translator block $tb (length + argz)" || bad "legacy record"
import json, struct, sys
j = json.load(open(sys.argv[1]))
b = open("tblock", "rb").read()
n = struct.unpack_from("<H", b)[0]
t = [t for t in j["translators"] if t["path"] == "/dev/console"][0]
sys.exit(0 if b"".join(w.encode() + b"\0" for w in t["argv"]) == b[2:2 + n] else 1)
EOF

# ---- listings: debugfs ls -l ----
good=0
for d in / /dev /boot /boot/grub /hurd /servers /servers/socket /lib /etc; do
	insp --json z.qcow2 "$d" > ls.json || { bad "inspect $d"; continue; }
	debugfs -R "ls -l $d" "x.img$OFF" 2>/dev/null |
		awk 'NF >= 8 && $NF != "." && $NF != ".." { print $NF "|" $1 "|" $2 "|" $4 "|" $5 "|" $6 }' | LC_ALL=C sort -t"|" -k1,1 > ls.want
	py '"\n".join("%s|%d|%o|%d|%d|%d" % (e["name"], e["inode"], e["mode"], e["uid"], e["gid"], e["size"]) for e in j["entries"])' ls.json > ls.got
	if cmp -s ls.want ls.got; then good=$((good + 1)); else bad "listing $d: $(diff ls.want ls.got | head -4)"; fi
done
[ "$good" = 9 ] && ok "9 directory listings (name, inode, mode, uid, gid, size, sorted) = debugfs ls -l"
python3 - ls.json <<'EOF' || bad "mode_string differs from Python's stat.filemode"
import json, stat, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    if stat.filemode(e["mode"]) != e["mode_string"]: print(e); sys.exit(1)
EOF
insp x.img /dev > dev.txt
want=$(debugfs -R "stat /dev/disk" "x.img$OFF" 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
grep -q "^lrwxrwxrwx 0 0 *[0-9]* disk -> $want$" dev.txt && ok "text listing: disk -> $want (debugfs: Fast link dest)" ||
	bad "symlink line: $(grep ' disk' dev.txt)"
[ "$(sed 's/ .*//' dev.txt | sort -u | grep -c .)" -ge 3 ] && [ "$(awk '{ print $5 }' dev.txt)" = "$(awk '{ print $5 }' dev.txt | LC_ALL=C sort)" ] &&
	ok "text listing sorted by name, $(wc -l < dev.txt) entries" || bad "text listing order"

# ---- files: every regular file of the image, from the compressed qcow2 ----
mkdir out
debugfs -R "rdump / out" "x.img$OFF" >/dev/null 2>&1
nfiles=0 nbad=0
while IFS= read -r -d '' f; do
	p=${f#out}
	nfiles=$((nfiles + 1))
	insp z.qcow2 "$p" | cmp -s - "$f" || { nbad=$((nbad + 1)); [ "$nbad" -le 3 ] && bad "cat $p differs from debugfs rdump"; }
done < <(find out -type f -print0)
[ "$nfiles" -gt 100 ] && [ "$nbad" = 0 ] && ok "all $nfiles regular files, read from z.qcow2, = debugfs rdump byte for byte" ||
	bad "files: $nfiles read, $nbad differ"
insp z2.qcow2 /boot/gnumach.gz | cmp -s - demo-root/boot/gnumach.gz && ok "/boot/gnumach.gz from 2 MiB compressed clusters = the source file" ||
	bad "gnumach.gz from z2.qcow2"

# ---- a disk made by hand: no GRUB, two partitions, 256-byte inodes ----
truncate -s 8M fs.img
mke2fs -q -F -t ext2 -o hurd -I 256 -b 1024 -L 'my label' fs.img 2>/dev/null || bad "mke2fs"
printf 'hello\n' > hello
printf '/hurd/null\0--full\0' > tval
name=$(printf 'odd\001\377name')
debugfs -w -f - fs.img >/dev/null 2>&1 <<EOF
mkdir /d
write hello /d/$name
symlink /d/link /d/$name
ea_set -f tval /d gnu.translator
EOF
truncate -s 12M hand.img
printf 'start=2048, size=1024, type=c\nstart=4096, size=16384, type=83\n' | sfdisk -q hand.img >/dev/null 2>&1 || bad "sfdisk"
dd if=fs.img of=hand.img bs=512 seek=4096 conv=notrunc status=none
insp --json hand.img > h.json || bad "inspect hand.img: $(insp hand.img 2>&1 | tail -1)"
[ "$(py '(j["filesystem"]["partition"], j["filesystem"]["label"], j["filesystem"]["inode_size"], j["filesystem"]["block_size"], len(j["partitions"]))' h.json)" = "(2, 'my label', 256, 1024, 2)" ] &&
	ok "two partitions: the root is the 0x83 one (2), label 'my label', 256-byte inodes, 1 KiB blocks" ||
	bad "hand-made fs: $(py 'j["filesystem"]' h.json)"
[ "$(py '(j["grub"]["boot_img"], j["grub"]["core_lba"], j["grub"]["prefix"], j["grub"]["config"], j["grub"]["menu_entries"])' h.json)" = "(False, None, None, None, [])" ] &&
	ok "no GRUB: boot_img false, nulls, no menu entries" || bad "no-GRUB fields: $(py 'j["grub"]' h.json)"
[ "$(py '[(t["path"], t["kind"], t["argv"]) for t in j["translators"]]' h.json)" = "[('/d', 'xattr-inode', ['/hurd/null', '--full'])]" ] &&
	ok "a gnu.translator in a 256-byte inode's body is kind xattr-inode" || bad "in-inode translator: $(py 'j["translators"]' h.json)"
insp --json hand.img /d > d.json || bad "inspect hand.img /d"
python3 - d.json "$name" <<'EOF' && ok "a name with bytes \\001 and \\377 survives JSON (\\u0001, \\udcff)" || bad "odd name in JSON: $(cat d.json)"
import json, os, sys
e = {os.fsencode(x["name"]): x for x in json.load(open(sys.argv[1]))["entries"]}
sys.exit(0 if os.fsencode(sys.argv[2]) in e and e[b"link"]["target"] == "/d/" + sys.argv[2] else 1)
EOF
grep -q 'udcff' d.json && ok "raw byte 0xff written as \\udcff" || bad "no \\udcff in $(cat d.json)"
[ "$(insp hand.img /d | grep -c .)" = 2 ] && insp hand.img /d | grep -q 'odd\\001\\377name$' &&
	ok "text listing: one line per entry, control bytes as \\ooo" || bad "text listing of /d: $(insp hand.img /d | od -c | head)"
[ "$(insp hand.img /d/link)" = hello ] && ok "a symlink PATH is followed inside the image" || bad "symlink follow"

# ---- a bare file system: no partition table, the superblock at 1024 ----
insp --json fs.img > bare.json || bad "inspect a bare file system: $(insp fs.img 2>&1 | tail -1)"
h=$(dumpe2fs -h fs.img 2>/dev/null)
[ "$(py '(j["partitions"], j["disk"]["signature"], j["filesystem"]["partition"], j["filesystem"]["label"], j["filesystem"]["uuid"], j["filesystem"]["inode_size"])' bare.json)" = \
	"([], None, None, 'my label', '$(printf '%s\n' "$h" | sed -n 's/^Filesystem UUID: *//p')', 256)" ] &&
	ok "a bare file system (mke2fs, no partition table): no partitions, label, UUID (dumpe2fs) and inode size read" ||
	bad "bare file system: $(cat bare.json)"
insp fs.img | grep -qx 'Partitions:    none: a bare file system' && insp fs.img | grep -qx 'File system (the whole disk):' &&
	ok "text: 'none: a bare file system', 'the whole disk'" || bad "bare text: $(insp fs.img | head -4)"
[ "$(insp fs.img /d/link)" = hello ] && ok "a bare file system's files are read" || bad "bare file system's /d/link"

# ---- damaged superblocks and what is not a disk at all ----
# Inode size 4096 (a power of two, no larger than a block: libext2fs
# opens it) makes every inode read garbage: e2fsck calls the root inode
# no directory, and so must inspect, with the inode size it read.
cp x.img isz.img
printf '\000\020' | dd of=isz.img bs=1 seek=$((1048576 + 1024 + 88)) conv=notrunc status=none
dd if=isz.img of=isz.part bs=1M skip=1 status=none
e2fsck -fn isz.part >/dev/null 2>&1 && bad "e2fsck accepts the damaged superblock: the test proves nothing"
out=$(insp isz.img 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && printf '%s\n' "$out" | grep -qx 'mkhurdimg: isz\.img: partition 1: the file system is damaged: .*4096.*' &&
	ok "inode size 4096: exit 1, $out" || bad "inode size 4096: exit $rc, [$out]"
# Blocks per group 0: libext2fs refuses it, and its message is words.
cp x.img bpg.img
printf '\000\000\000\000' | dd of=bpg.img bs=1 seek=$((1048576 + 1024 + 32)) conv=notrunc status=none
out=$(insp bpg.img 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && [ "$out" = "mkhurdimg: bpg.img: partition 1 holds no ext2 file system we can read: The ext2 superblock is corrupt" ] &&
	ok "a libext2fs error is its text: $out" || bad "libext2fs error: exit $rc, [$out]"
mkfifo fifo
out=$(timeout 20 "$MKHURDIMG" inspect fifo 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && [ "$out" = "mkhurdimg: fifo: not a disk image: a FIFO, not a regular file or block device" ] &&
	ok "a FIFO is refused at once: $out" || bad "FIFO: exit $rc, [$out]"
out=$(timeout 20 "$MKHURDIMG" inspect /dev/zero 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && [ "$out" = "mkhurdimg: /dev/zero: not a disk image: a character device, not a regular file or block device" ] &&
	ok "a character device is refused: $out" || bad "/dev/zero: exit $rc, [$out]"

# ---- read only ----
[ "$(cat x.img q.qcow2 z.qcow2 | sha256sum)" = "$sum0" ] && [ "$(stat -c %Y.%s x.img q.qcow2 z.qcow2)" = "$stat0" ] &&
	ok "the images are unchanged (bytes and mtimes)" || bad "an image changed"
if command -v strace >/dev/null && strace -f -e trace=open,openat -o trace.out "$MKHURDIMG" inspect z.qcow2 >/dev/null 2>&1; then
	grep 'z.qcow2' trace.out | grep -q 'O_RDONLY' && ! grep 'z.qcow2' trace.out | grep -qE 'O_RDWR|O_WRONLY' &&
		ok "strace: the image is opened O_RDONLY only" || bad "open flags: $(grep z.qcow2 trace.out)"
fi

# ---- errors ----
experr() { # STATUS WHAT ARGS...
	local want=$1 what=$2 out rc
	shift 2
	out=$(insp "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$want" ] && [ -n "$out" ] && ok "$what: exit $rc, $out" || bad "$what: exit $rc, '$out'"
}
experr 1 "a text file" demo.conf
experr 1 "a missing file" no-such.img
experr 1 "a missing PATH" x.img /no/such/file
experr 1 "PATH under a file" x.img /boot/gnumach.gz/x
head -c 1048576 /dev/zero > empty.img && printf '\125\252' | dd of=empty.img bs=1 seek=510 conv=notrunc status=none
experr 1 "an empty partition table" empty.img
head -c 4096 z.qcow2 > trunc.qcow2
experr 1 "a truncated qcow2" trunc.qcow2
qemu-img create -q -f qcow2 -b x.img -F raw back.qcow2
experr 1 "a qcow2 with a backing file" back.qcow2
experr 2 "no IMAGE" 
experr 2 "an unknown option" --frobnicate x.img
experr 2 "three arguments" x.img / /
insp --help | grep -q '^Usage: mkhurdimg inspect' && ok "inspect --help" || bad "inspect --help"
[ "$fails" = 0 ]
