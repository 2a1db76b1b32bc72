#!/bin/bash
# depfile.sh -- --depfile makes a Make rule that rebuilds the image when
# an input changes, as mkhurdimg(1) says, and GNU Make reads it whatever
# the names: make twice does nothing the second time; touching a file deep
# in a directory source, the archive, the config, or adding a file to a
# source directory rebuilds it; removing an input file rebuilds it without
# a make error (the empty rules).  Runs examples/Makefile as written.
#  * Names with every byte Make treats specially (; | % # = : blanks * ? [
#    $ \ and a leading ~, a directive word): each one touched rebuilds,
#    make clean still works; a newline, or a name Make reads as an
#    archive member, is refused on one line, and nothing is written.
#  * Empty files and empty secrets are inputs: writing into one rebuilds.
#  * A dangling symlink is no input (make twice does nothing); replacing
#    a symlink rebuilds, through its directory.
#  * What README says Make sees of an input replaced by an older file
#    (through its directory) and what it misses (rewritten in place with
#    an older time).
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
command -v make >/dev/null || skip "make not found"
workdir
mkdir -p demo-root/boot demo-root/hurd demo-root/lib demo-root/usr/share/doc "sub dir" secrets/etc
printf 'not really GNU Mach\n' > demo-root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "demo-root/hurd/$s"; done
echo 'ld.so stand-in' > demo-root/lib/ld.so.1
echo 'deep' > demo-root/usr/share/doc/README
echo 'a name Make needs escaped' > 'demo-root/usr/share/doc/a file#1'
: > demo-root/usr/share/doc/empty
ln -s /nowhere/at/all demo-root/usr/share/doc/dangling
ln -s README demo-root/usr/share/doc/link
: > secrets/etc/empty-secret
echo 'odd name' > "sub dir/a file#1"
tar -C "sub dir" -cf extra.tar .
cat > demo.conf <<'CONF'
directory "demo-root" { target = "/" }
archive "extra.tar" { target = "/opt" }
secrets = "secrets"
CONF
cp "$top_srcdir/examples/Makefile" Makefile
mk() { make -s MKHURDIMG="$MKHURDIMG" TYPE=hurd-raw IMAGE=image.img "$@" 2>&1; }
built() { [ -f image.img ] && stat -c %Y.%y image.img; }

out=$(mk) || bad "first make failed: $out"
[ -f image.img ] && [ -f image.img.d ] && ok "first make builds image.img and image.img.d" ||
	bad "no image or depfile after the first make"
# A rule per input, "image.img: INPUT", and an empty rule "INPUT:".
listed() { grep -qxF -- "image.img: $1" image.img.d && grep -qxF -- "$1:" image.img.d; }
for dep in demo.conf extra.tar demo-root/usr/share/doc/README demo-root/usr/share/doc \
	"$top_srcdir/image-types/hurd-raw.conf" 'demo-root/usr/share/doc/a\ file\#1' \
	demo-root/usr/share/doc/empty secrets/etc/empty-secret; do
	listed "$dep" || bad "the depfile does not list [$dep] with its empty rule"
done
grep -q '/boot\.img$' image.img.d || bad "GRUB's boot.img is not listed"
ok "the depfile lists the config, type file, archive, every source file and directory, empty files and secrets, GRUB's files"
if grep -q 'dangling\|doc/link' image.img.d; then bad "a symlink is listed as an input: $(grep 'dangling\|doc/link' image.img.d | head -2)"
else ok "symlinks are not listed (their directory is)"; fi
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
again "second make, with a dangling symlink in the source" kept
touch demo-root/usr/share/doc/README; again "a file deep in the directory source touched" rebuilt
again "then make again" kept
touch extra.tar; again "the archive touched" rebuilt
touch demo.conf; again "the config touched" rebuilt
echo new > demo-root/usr/share/new-file; again "a file added to a source directory" rebuilt
echo now > demo-root/usr/share/doc/empty; again "an empty file written into" rebuilt
echo key > secrets/etc/empty-secret; again "an empty secret written into" rebuilt
ln -sfn /elsewhere demo-root/usr/share/doc/dangling; again "a symlink pointed elsewhere" rebuilt
rm demo-root/usr/share/doc/README; again "an input removed" rebuilt
again "then make again" kept

# ---- what Make sees of older files (README, "In Makefiles") ----
echo 'older' > older && touch -d '2000-01-01' older
mv older demo-root/lib/ld.so.1; again "a file replaced by an older one (mv): seen through its directory" rebuilt
echo 'older, in place' > demo-root/hurd/exec && touch -d '2000-01-01' demo-root/hurd/exec
again "documented miss: a file rewritten in place with an older time" kept

# ---- names GNU Make reads specially ----
# A directory source named "~odd" (Make expands ~), an archive named
# "define" (a directive), and in the directory a file per special byte.
mkdir '~odd'
odd=('a;b' 'a|b' 'a%b' 'a#b' 'a=b' 'a:b' 'a b' $'a\tb' 'a*b' 'a?b' 'a[b]' 'a$b'
     'trailing ' 'back\' 'x\;y' '-dash' '.dot' 'a%b*c')
for n in "${odd[@]}"; do echo "$n" > "~odd/$n"; done
tar -C "sub dir" -cf define .
cat > odd.conf <<'CONF'
directory "demo-root" { target = "/" }
directory "~odd" { target = "/odd" }
archive "define" { target = "/def" }
CONF
cat > Makefile.odd <<'MK'
all: odd.img
odd.img: odd.conf
	$(MKHURDIMG) -q --depfile $@.d -o $@ odd.conf
-include odd.img.d
clean:
	rm -f odd.img odd.img.d
MK
mko() { make -s -f Makefile.odd MKHURDIMG="$MKHURDIMG" "$@" 2>&1; }
oddbuilt() { [ -f odd.img ] && stat -c %Y.%y odd.img; }
out=$(mko) || bad "make with odd names failed: $out"
before=$(oddbuilt)
out=$(mko) && [ "$(oddbuilt)" = "$before" ] && [ -n "$before" ] &&
	ok "odd names: the second make reads the depfile and does nothing" ||
	bad "odd names, second make: $out"
nbad=0
for n in "${odd[@]}" ../define; do
	sleep 0.01
	before=$(oddbuilt)
	touch -- "~odd/$n"
	out=$(mko)
	if [ $? != 0 ] || [ "$(oddbuilt)" = "$before" ]; then
		nbad=$((nbad + 1)); bad "odd name [$n] touched: not rebuilt ($out)"
	fi
done
[ $nbad = 0 ] && ok "each of ${#odd[@]} special names, and the archive 'define', touched: rebuilt"
rm -- "~odd/a;b" && out=$(mko) && ok "an odd name removed: rebuilt without a make error" ||
	bad "an odd name removed: $out"
out=$(mko clean) && [ ! -e odd.img ] && ok "make clean works with the depfile in place" || bad "make clean: $out"

# Make cannot name these: refused, on one line, and nothing written.
refused() {	# WHAT NAME WANT
	rm -rf nl && mkdir nl && echo x > "nl/$2"
	printf 'directory "demo-root" { target = "/" }\ndirectory "nl" { target = "/nl" }\n' > nl.conf
	out=$("$MKHURDIMG" -q --depfile nl.img.d -o nl.img nl.conf 2>&1); rc=$?
	[ $rc = 1 ] && [ "$out" = "$3" ] && [ ! -e nl.img ] && [ ! -e nl.img.d ] &&
		ok "$1: refused on one line, nothing written: $out" ||
		bad "$1: exit $rc, [$out], $(ls nl.img* 2>/dev/null)"
}
refused "a newline in a name" $'new\nline' "mkhurdimg: nl/new\\nline: cannot be named in a Make dependency file: a newline in the name"
refused "an archive member's form" 'lib(member)' "mkhurdimg: nl/lib(member): cannot be named in a Make dependency file: Make reads a name ending in (MEMBER) as a member of an archive"
[ $fails = 0 ]
