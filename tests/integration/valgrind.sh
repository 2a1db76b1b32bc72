#!/bin/bash
# valgrind.sh -- memcheck finds no invalid access and no leak (definite,
# indirect or possible) in full image builds: a directory, an xz archive,
# a gzip archive in two members (inflated by decompress.c), a store
# closure registered in the Guix database, file sources, permissions,
# accounts and sshd; raw, and qcow2 compressed on threads; and in builds
# that fail half-way (a cut archive, a gzip member whose CRC-32 is wrong,
# a missing item).
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || skip "valgrind not found (apt-get install valgrind)"
# A sanitizer build (./configure --enable-sanitizers) checks itself.
grep -q __asan_init "$MKHURDIMG" 2>/dev/null &&
	skip "an AddressSanitizer build: valgrind cannot run it (ASan checks the same)"
export SOURCE_DATE_EPOCH=1700000000
workdir
vg() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file=vg.log "$MKHURDIMG" -q "$@"
}
mkdir -p root/boot root/hurd root/lib extra/opt/tool
printf 'not really GNU Mach\n' > root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "root/hurd/$s"; done
echo 'ld.so stand-in' > root/lib/ld.so.1
head -c 300000 /dev/urandom > root/lib/blob
ln root/lib/blob root/lib/blob-link
echo tool > extra/opt/tool/README
tar -C extra -cJf extra.tar.xz opt
mkdir -p extra2/srv && head -c 100000 /dev/urandom > extra2/srv/noise
tar -C extra2 -cf extra2.tar srv
{ head -c 512 extra2.tar | gzip -n; tail -c +513 extra2.tar | gzip -n; } > extra2.tar.gz
store=store/gnu/store
a=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item b=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-dep
mkdir -p $store/$a/bin $store/$b/lib
echo "uses $b" > $store/$a/bin/prog
echo lib > $store/$b/lib/libdep.so
printf '/gnu/store/%s\n\n1\n/gnu/store/%s\n/gnu/store/%s\n\n0\n' $a $b $b > system.graph
cat > os.conf <<CONF
host-name = "vg"
register-store = true
directory "root" { target = "/" }
archive "extra.tar.xz" { target = "/" }
archive "extra2.tar.gz" { target = "/" }
closure "system.graph" { store = "$store" }
file "/etc/motd" { contents = "hello\n" }
permissions "/lib/blob" { mode = 0600 }
user "alice" { comment = "Alice" home = "/home/alice" }
service "openssh" { port-number = 2222 }
CONF
for args in "-t hurd-raw -o x.img" "-t hurd-qcow2 --compress --threads 3 -o x.qcow2"; do
	# shellcheck disable=SC2086
	if vg $args os.conf; then
		ok "clean: $args"
	else
		bad "$args: exit $? [$(head -c 2000 vg.log)]"
	fi
done
head -c $(($(stat -c %s extra.tar.xz) / 2)) extra.tar.xz > cut.tar.xz
sed 's/extra.tar.xz/cut.tar.xz/' os.conf > cut.conf
cp extra2.tar.gz crc.tar.gz	# the second member's CRC-32 (its data: stored noise)
at=$(($(stat -c %s crc.tar.gz) - 8))
printf %b "\\$(printf %03o $(($(od -An -tu1 -j $at -N1 crc.tar.gz) ^ 1)))" |
	dd of=crc.tar.gz bs=1 seek=$at conv=notrunc status=none
sed 's/extra2.tar.gz/crc.tar.gz/' os.conf > crc.conf
sed 's/^closure.*/closure "missing.graph" { store = "store\/gnu\/store" }/' os.conf > missing.conf
printf '/gnu/store/cccccccccccccccccccccccccccccccc-gone\n\n0\n' > missing.graph
for conf in cut.conf crc.conf missing.conf; do
	rm -f y.img
	vg -o y.img $conf 2>/dev/null
	rc=$?
	if [ $rc = 1 ] && [ ! -e y.img ]; then
		ok "clean when the build fails: $conf"
	else
		bad "$conf: exit $rc (99: valgrind errors) [$(head -c 2000 vg.log)]"
	fi
done
[ $fails = 0 ]
