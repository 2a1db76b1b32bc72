#!/bin/bash
# partitions.sh -- several partitions: swap, data file systems, raw.
#
# The demo with a swap partition, the root on partition 2, /home on an
# ext2 partition of its own and a raw partition from a host file, judged
# by tools no one here wrote: sfdisk --json (the table as declared), e2fsck
# -fn on each ext2 partition, blkid on the swap (TYPE, UUID, LABEL), cmp
# on the raw bytes, debugfs, libguestfs (the Linux kernel mounts each file
# system: /home's files are on partition 3 and none of them on the root),
# qemu-img compare (raw and qcow2 hold the same disk), and QEMU booting
# GNU Mach with the root on partition 1 and on partition 2 behind swap.
. "$(dirname "$0")/lib.sh"
need_gnumach
command -v sfdisk >/dev/null || skip "no sfdisk (fdisk)"
command -v blkid >/dev/null || skip "no blkid (util-linux)"
"${CC:-gcc}" -m32 -static -nostdlib -fno-pic -no-pie -o /dev/null \
	"$top_srcdir/examples/standin.c" 2>/dev/null ||
	skip "cannot build 32-bit stand-ins"
export LC_ALL=C
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
workdir "${TMPDIR:-/tmp}/partitions.XXXXXX"

"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
mkdir -p demo-root/home/alice/notes
printf 'hello from /home\n' > demo-root/home/alice/notes/hello.txt
printf 'a second file\n' > demo-root/home/alice/b.txt
touch -h -d @1 demo-root/home demo-root/home/alice demo-root/home/alice/notes \
	demo-root/home/alice/notes/hello.txt demo-root/home/alice/b.txt
head -c 300000 /dev/urandom > fw.bin
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }

common='host-name = "parts"
bootloader { timeout = 0 serial = true }
directory "demo-root" { }'
cat > swap-first.conf <<EOF
$common
partition "swap" { type = swap size = 64MiB }
partition "root" { type = ext2 mount-point = "/" }
partition "home" { type = ext2 mount-point = "/home" label = "home" size = 8MiB }
partition "fw" { type = raw image = "fw.bin" }
EOF
cat > root-first.conf <<EOF
$common
partition "swap" { type = swap size = 1MiB label = "sw" }
EOF
mk -t hurd-raw -o p.img swap-first.conf || { bad "swap-first.conf: build failed"; exit 1; }
mk -t hurd-raw -o r.img root-first.conf || { bad "root-first.conf: build failed"; exit 1; }

# --- the table, as sfdisk reads it ----------------------------------------
sfdisk --json p.img > table.json || bad "sfdisk --json p.img failed"
python3 - table.json <<'EOF' && ok "sfdisk: swap, root (active), home, raw, at the sizes declared" || bad "sfdisk: $(cat table.json)"
import json, sys
parts = json.load(open(sys.argv[1]))["partitiontable"]["partitions"]
want = [("82", 64 << 20, False), ("83", None, True), ("83", 8 << 20, False),
        ("da", 300032, False)]
assert len(parts) == 4, parts
end = 0
for p, (typ, size, boot) in zip(parts, want):
    assert p["type"] == typ, p
    assert bool(p.get("bootable")) == boot, p
    if size is not None:
        assert p["size"] * 512 == size, p
    assert p["start"] * 512 >= end and p["start"] % 2048 == 0, p  # MiB-aligned, no overlap
    end = (p["start"] + p["size"]) * 512
EOF
part() { # IMG N OUT: partition N of IMG into OUT
	local start size
	start=$(sfdisk --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['partitions'][$2-1]['start'])")
	size=$(sfdisk --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['partitions'][$2-1]['size'])")
	dd if="$1" of="$3" bs=512 skip="$start" count="$size" status=none
}
part p.img 1 swap.part; part p.img 2 root.part; part p.img 3 home.part; part p.img 4 fw.part

# --- each partition, by its own oracle -------------------------------------
for f in root.part home.part; do
	e2fsck -fn "$f" >e2fsck.out 2>&1 && ok "e2fsck -fn $f: clean" || bad "e2fsck $f: $(tail -3 e2fsck.out)"
done
swap=$(blkid -p -o export swap.part)
printf '%s\n' "$swap" | grep -qx 'TYPE=swap' && printf '%s\n' "$swap" | grep -qx 'LABEL=swap' &&
	printf '%s\n' "$swap" | grep -Eqx 'UUID=[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' &&
	printf '%s\n' "$swap" | grep -qx 'VERSION=1' &&
	ok "blkid: swap version 1, label swap, $(printf '%s\n' "$swap" | grep UUID)" || bad "blkid swap: $swap"
[ "$(tail -c 10 <(head -c 4096 swap.part))" = SWAPSPACE2 ] && ok "SWAPSPACE2 ends the first 4096-byte page" || bad "no SWAPSPACE2 at 4086"
last=$(od -An -tu4 -j1028 -N4 swap.part | tr -d ' ')
[ "$last" = $(((64 << 20) / 4096 - 1)) ] && ok "swap header: last page $last" || bad "swap last page $last"
cmp -s fw.part <(cat fw.bin; head -c $((300032 - 300000)) /dev/zero) && ok "raw partition: fw.bin's bytes, then zeros to a sector" || bad "raw partition differs from fw.bin"
dumpe2fs -h home.part 2>/dev/null | grep -q '^Filesystem volume name: *home$' && ok "/home's file system is labelled home" || bad "home label"
dbg() { debugfs -R "$2" "$1" 2>/dev/null; }
[ "$(dbg home.part 'cat /alice/notes/hello.txt')" = "hello from /home" ] && ok "debugfs: /alice/notes/hello.txt on partition 3" || bad "home.part lacks hello.txt"
# ls -p: /INODE/MODE/UID/GID/NAME/SIZE/ per entry.
[ "$(dbg root.part 'ls -p /home' | awk -F/ 'NF > 5 && $6 != "." && $6 != ".."' | wc -l)" = 0 ] &&
	[ "$(dbg root.part 'ls -p /home' | awk -F/ '$6 == "."' | wc -l)" = 1 ] &&
	ok "debugfs: /home is an empty directory on the root" || bad "root /home: $(dbg root.part 'ls -p /home')"
fstab=$(dbg root.part 'cat /etc/fstab' | grep -v '^#')
want=$(printf '/dev/hd0s1\tnone\tswap\tsw\t0\t0\n/dev/hd0s2\t/\text2\tdefaults\t0\t1\n/dev/hd0s3\t/home\text2\tdefaults\t0\t2')
[ "$fstab" = "$want" ] && ok "fstab: swap, / and /home by their hd0sN names" || bad "fstab: [$fstab]"

# --- inspect names every partition and what it holds ----------------------
"$MKHURDIMG" inspect p.img > inspect.txt || bad "inspect p.img failed"
grep -q '^File system (partition 2):' inspect.txt && grep -q '^Partition 1: swap, label swap, UUID ' inspect.txt &&
	grep -q '^Partition 3: ext2, label home, UUID .*, Hurd, 2048 blocks' inspect.txt &&
	grep -q '^Partition 4: raw, 300032 bytes$' inspect.txt && ok "inspect: the root in full, swap, home and raw in a line each" ||
	bad "inspect: $(cat inspect.txt | head -20)"
"$MKHURDIMG" inspect --json p.img | python3 -c '
import json, sys
d = json.load(sys.stdin)
kinds = [p["content"]["kind"] for p in d["partitions"]]
assert kinds == ["swap", "ext2", "ext2", "raw"], kinds
assert d["filesystem"]["partition"] == 2
assert d["partitions"][2]["content"]["label"] == "home"
' && ok "inspect --json: contents swap, ext2, ext2, raw; the root is 2" || bad "inspect --json"

# --- raw and qcow2 hold the same disk ------------------------------------
mk -t hurd-qcow2 -o p.qcow2 swap-first.conf || bad "qcow2 build failed"
qemu-img check -q p.qcow2 && ok "qemu-img check p.qcow2" || bad "qemu-img check"
qemu-img compare -q p.img p.qcow2 && ok "qemu-img compare: raw and qcow2 identical" || bad "raw and qcow2 differ"

# --- the Linux kernel mounts each file system ----------------------------
if [ -x "$top_builddir/tests/integration/guestfs-tree" ]; then
	cp -a demo-root rootview
	rm -rf rootview/home/alice
	touch -h -d @1 rootview/home
	export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
	export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}
	gt() { "$top_builddir/tests/integration/guestfs-tree" "$@" > gt.out 2>&1; }
	for check in "2 rootview" "3 demo-root/home"; do
		set -- $check
		gt --partition "$1" --ignore /boot --ignore /etc --ignore /dev --ignore /servers \
			--ignore /proc --ignore /tmp --ignore /lost+found --ignore /var --ignore /root \
			p.img "$2"
		case $? in
		0) ok "libguestfs: partition $1 holds exactly $2 ($(tail -1 gt.out))" ;;
		77) echo "  (libguestfs cannot launch here: $(tail -1 gt.out))" ;;
		*) bad "libguestfs partition $1: $(tail -5 gt.out)" ;;
		esac
	done
fi

# --- a Guix system mounts what its operating-system declares -------------
"$top_srcdir/examples/make-demo-store.sh" demo-store >/dev/null || exit 1
sys=/gnu/store/4rb3r1dfrmy3s1wx3d4dn0p2ak0f9b0b-system
cat > guix.conf <<EOF
guix-system = "$sys"
closure "demo-store/system.graph" { store = "demo-store/gnu/store" }
partition "home" { type = ext2 mount-point = "/home" size = 4MiB }
EOF
# Not -q, which hides warnings.
"$MKHURDIMG" --types-dir "$top_srcdir/image-types" -o g.img guix.conf 2>guix.err >/dev/null
grep -qx "mkhurdimg: warning: partition 'home' (mount-point /home): the Guix system $sys declares no file system there, so it will not mount it; add it to the operating-system's file-systems" guix.err &&
	ok "guix-system: /home, which the system does not declare, is warned about" || bad "no warning: $(cat guix.err)"
printf 'file "%s/etc/fstab" { contents = "# Guix\\n/dev/wd0s2\\t/home\\text2\\tdefaults\\t0\\t2\\n" }\n' "$sys" >> guix.conf
"$MKHURDIMG" --types-dir "$top_srcdir/image-types" -o g.img guix.conf 2>guix.err >/dev/null
! grep -q 'declares no file system' guix.err && grep -q 'hurd-raw image' guix.err &&
	ok "guix-system: /home declared in the system's etc/fstab: no warning" ||
	bad "warned anyway, or failed: $(cat guix.err)"

# --- GNU Mach boots the root where it is ---------------------------------
boot() { # WHAT IMG PART
	timeout $((BOOT_TIMEOUT + 15)) "$MKHURDIMG" boot -t hurd-raw --accel=tcg --no-forward \
		--expect '^start [^ ]+:|panic|^error: ' --timeout "$BOOT_TIMEOUT" "$2" \
		> "$1.serial" 2> "$1.qemu"
	tr -d '\r' < "$1.serial" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$1.txt"
	grep -aq "^task loaded: ext2fs .* -T typed part:$3:device:hd0\$" "$1.txt" &&
		grep -aq '^start ext2fs:' "$1.txt" &&
		ok "$1: GNU Mach starts ext2fs on part:$3:device:hd0" ||
		bad "$1: $(grep -a 'task loaded\|start\|error' "$1.txt" | head -5) $(tail -1 "$1.qemu")"
}
boot "root on 1, swap after" r.img 1
boot "root on 2, behind swap" p.img 2
[ "$fails" = 0 ]
