#!/bin/bash
# qcow2.sh -- qcow2 images written directly, judged by QEMU's own tools:
# qemu-img check clean (no errors, no leaks) for 64 KiB and 2 MiB
# clusters, metadata preallocation and a disk larger than 4 GiB; qemu-img
# compare and convert -O raw equal to the raw image of the same config;
# sparse (a 5 GiB disk is a small file); two builds byte-identical;
# libguestfs reads the qcow2 directly; and QEMU boots it.
. "$(dirname "$0")/lib.sh"
need_gnumach
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img missing"; exit 77; }
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
cp "$top_srcdir/examples/demo.conf" .
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@" demo.conf; }
mk -t hurd-raw -o raw.img || { bad "raw build"; exit 1; }

check() { # NAME FILE
	local out rc
	out=$(qemu-img check "$2" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q '^No errors were found' &&
	   ! printf '%s\n' "$out" | grep -qi 'leak'; then
		ok "$1: qemu-img check: no errors, no leaks"
	else
		bad "$1: qemu-img check ($rc): $out"
	fi
}

mk -t hurd-qcow2 -o a.qcow2 || bad "qcow2 build"
check "64 KiB clusters" a.qcow2
[ "$(qemu-img info --output=json a.qcow2 | tr -d ' \n' | grep -o '"cluster-size":[0-9]*')" = '"cluster-size":65536' ] &&
	ok "64 KiB clusters by default" || bad "cluster size"
qemu-img compare a.qcow2 raw.img >/dev/null && ok "qemu-img compare: identical to the raw image" ||
	bad "qemu-img compare: $(qemu-img compare a.qcow2 raw.img 2>&1)"
qemu-img convert -O raw a.qcow2 conv.img && cmp -s conv.img raw.img &&
	ok "qemu-img convert -O raw gives the raw image byte for byte" || bad "convert differs: $(cmp conv.img raw.img)"
mk -t hurd-qcow2 -o b.qcow2 && cmp -s a.qcow2 b.qcow2 && ok "two builds are byte-identical" || bad "two builds differ"
mk -t hurd-qcow2 --cluster-size 2M -o c.qcow2 && check "2 MiB clusters" c.qcow2
qemu-img compare c.qcow2 raw.img >/dev/null || bad "2 MiB clusters: compare"
mk -t hurd-qcow2 --preallocation metadata -o m.qcow2 && check "preallocation=metadata" m.qcow2
qemu-img check m.qcow2 2>&1 | grep -q '100.00% allocated' && ok "metadata: every cluster mapped" || bad "metadata not preallocated"
qemu-img compare m.qcow2 raw.img >/dev/null || bad "metadata: compare"
mk -t hurd-qcow2 -s 5G -o big.qcow2 && check "a 5 GiB disk" big.qcow2
[ "$(stat -c %s big.qcow2)" -lt $((64 << 20)) ] && ok "the 5 GiB disk is a $(stat -c %s big.qcow2)-byte file" ||
	bad "big.qcow2 is $(stat -c %s big.qcow2) bytes"
mk -t hurd64-qcow2 -o h64.qcow2 && check "hurd64-qcow2" h64.qcow2

# Compressed: clean, the same disk, byte-identical whatever the threads,
# and within 5% of what qemu-img convert -c makes of the raw image.
mk -t hurd-qcow2 --compress -o z.qcow2 && check "--compress" z.qcow2
qemu-img check z.qcow2 2>&1 | grep -q '[1-9][0-9.]*% compressed clusters' && ok "--compress: clusters are compressed" ||
	bad "no compressed clusters"
qemu-img compare z.qcow2 raw.img >/dev/null && ok "--compress: identical to the raw image" || bad "--compress: compare"
mk -t hurd-qcow2 --compress --threads 1 -o z1.qcow2
mk -t hurd-qcow2 --compress --threads 7 -o z7.qcow2
cmp -s z.qcow2 z1.qcow2 && cmp -s z.qcow2 z7.qcow2 && ok "--compress: the same bytes with 1, 2 and 7 threads" ||
	bad "--compress differs with the thread count"
mk -t hurd-qcow2 --compress --cluster-size 2M -o z2.qcow2 && check "--compress with 2 MiB clusters" z2.qcow2
qemu-img convert -c -O qcow2 raw.img ref.qcow2
ours=$(stat -c %s z.qcow2) theirs=$(stat -c %s ref.qcow2)
[ $((ours * 100)) -le $((theirs * 105)) ] && ok "--compress: $ours bytes, qemu-img convert -c: $theirs (within 5%)" ||
	bad "--compress: $ours bytes, qemu-img convert -c: $theirs"

if [ -x "$top_builddir/tests/integration/guestfs-tree" ] && ls /boot/vmlinuz-* >/dev/null 2>&1; then
	rm -rf tree && cp -a demo-root tree
	sed 's|^directory "demo-root" { }|&\ndirectory "tree" { target = "/srv/tree" }|' demo.conf > g.conf
	"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-qcow2 -o g.qcow2 g.conf
	LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg \
		"$top_builddir/tests/integration/guestfs-tree" --format qcow2 g.qcow2 tree /srv/tree >gt.out 2>&1
	case $? in
		0) ok "libguestfs opens the qcow2 and the tree matches ($(tail -1 gt.out))" ;;
		77) echo "  skip: libguestfs cannot start" ;;
		*) bad "libguestfs: $(tail -5 gt.out)" ;;
	esac
fi

if command -v qemu-system-x86_64 >/dev/null; then
	timeout 150 qemu-system-x86_64 -accel tcg -m 1024 -display none -monitor none -nic none \
		-no-reboot -serial file:serial.log -drive file=z.qcow2,format=qcow2,if=ide \
		>/dev/null 2>&1 &
	qpid=$!
	for _ in $(seq 1 280); do
		sleep 0.5
		tr -d '\r' < serial.log 2>/dev/null | grep -aq '^start ext2fs:' && break
		kill -0 $qpid 2>/dev/null || break
	done
	kill $qpid 2>/dev/null
	wait $qpid 2>/dev/null
	log=$(tr -d '\r' < serial.log)
	printf '%s\n' "$log" | grep -aq '^GNU Mach [0-9]' &&
		printf '%s\n' "$log" | grep -aq '^task loaded: ext2fs .*--host-priv-port=1 --device-master-port=2' &&
		printf '%s\n' "$log" | grep -aq '^task loaded: exec' &&
		printf '%s\n' "$log" | grep -aq '^start ext2fs:' &&
		ok "QEMU boots the compressed qcow2: GNU Mach, the task loaded lines, start ext2fs" ||
		bad "qcow2 boot: $(printf '%s\n' "$log" | grep -a -E 'GNU Mach|task loaded|start|panic|error' | head -5)"
fi
[ "$fails" = 0 ]
