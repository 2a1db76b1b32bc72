#!/bin/bash
# depfile.sh -- --depfile makes a Make rule that rebuilds the image
# exactly when an input changes: make twice does nothing the second
# time; touching a file deep in a directory source, the archive, the
# config, or adding a file to a source directory rebuilds it; removing an
# input file rebuilds it without a make error (the empty rules).  Runs
# examples/Makefile as written.
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
command -v make >/dev/null || skip "make not found"
workdir
mkdir -p demo-root/boot demo-root/hurd demo-root/lib demo-root/usr/share/doc "sub dir"
printf 'not really GNU Mach\n' > demo-root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "demo-root/hurd/$s"; done
echo 'ld.so stand-in' > demo-root/lib/ld.so.1
echo 'deep' > demo-root/usr/share/doc/README
echo 'a name Make needs escaped' > 'demo-root/usr/share/doc/a file#1'
echo 'odd name' > "sub dir/a file#1"
tar -C "sub dir" -cf extra.tar .
cat > demo.conf <<'CONF'
directory "demo-root" { target = "/" }
archive "extra.tar" { target = "/opt" }
CONF
cp "$top_srcdir/examples/Makefile" Makefile
mk() { make -s MKHURDIMG="$MKHURDIMG" TYPE=hurd-raw IMAGE=image.img "$@" 2>&1; }
built() { [ -f image.img ] && stat -c %Y.%y image.img; }

out=$(mk) || bad "first make failed: $out"
[ -f image.img ] && [ -f image.img.d ] && ok "first make builds image.img and image.img.d" ||
	bad "no image or depfile after the first make"
grep -q '^image\.img: \\$' image.img.d || bad "the depfile's rule is not for image.img"
for dep in demo.conf extra.tar demo-root/usr/share/doc/README demo-root/usr/share/doc \
	'.*/hurd-raw\.conf' '.*/boot\.img' 'demo-root/usr/share/doc/a\\ file\\#1'; do
	grep -qE -- "^ $dep( \\\\)?\$" image.img.d || bad "the depfile does not list [$dep]"
done
grep -qF 'demo-root/usr/share/doc/README:' image.img.d || bad "no empty rule for an input"
ok "the depfile lists the config, type file, archive, every source file and directory, GRUB's files"
make -n -f image.img.d >/dev/null 2>&1 || bad "make cannot read the depfile"

again() {	# WHAT EXPECT(rebuilt|kept)
	local before after
	before=$(built)
	out=$(mk) || { bad "$1: make failed: $out"; return; }
	after=$(built)
	if [ "$2" = kept ] && [ "$before" = "$after" ]; then ok "$1: nothing rebuilt"
	elif [ "$2" = rebuilt ] && [ "$before" != "$after" ]; then ok "$1: rebuilt"
	else bad "$1: want $2 (image $before -> $after; $out)"; fi
}
sleep 0.01
again "second make" kept
touch demo-root/usr/share/doc/README; again "a file deep in the directory source touched" rebuilt
again "then make again" kept
touch extra.tar; again "the archive touched" rebuilt
touch demo.conf; again "the config touched" rebuilt
echo new > demo-root/usr/share/new-file; again "a file added to a source directory" rebuilt
rm demo-root/usr/share/doc/README; again "an input removed" rebuilt
again "then make again" kept
[ $fails = 0 ]
