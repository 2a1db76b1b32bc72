#!/bin/bash
# reproducible.sh -- the same inputs give the same image bytes.
#
# Builds the demo twice: from different working directories, with a
# different TZ, umask and wall clock (a second apart at least), and checks
# the two images are identical byte for byte.  Then checks that
# SOURCE_DATE_EPOCH really is the only source of time: a different value
# gives a different image whose superblock shows exactly that time.
set -u
me=reproducible
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
MKHURDIMG=${MKHURDIMG:-$top_srcdir/src/mkhurdimg}
types=$top_srcdir/image-types
fails=0
ok() { echo "  ok:   $*"; }
bad() { echo "  FAIL: $*"; fails=$((fails + 1)); }

[ -r /boot/gnumach-1.8-486.gz ] || { echo "SKIP: $me: no GNU Mach"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a" "$work/b/deeper"
"$top_srcdir/examples/make-demo-root.sh" "$work/demo-root" >/dev/null || exit 1
cp "$top_srcdir/examples/demo.conf" "$work/"

build() { # DIR TZ UMASK OUT [ENV...]
	local dir=$1 tz=$2 mask=$3 out=$4
	shift 4
	(cd "$dir" && umask "$mask" && env TZ="$tz" "$@" "$MKHURDIMG" -q \
		--types-dir "$types" -t hurd-raw -o "$out" "$work/demo.conf")
}

build "$work/a" UTC 022 "$work/one.img" || bad "first build failed"
sleep 1
build "$work/b/deeper" Asia/Kolkata 077 "$work/two.img" || bad "second build failed"
if cmp -s "$work/one.img" "$work/two.img"; then
	ok "two builds (other cwd, TZ, umask, time) are identical: $(sha256sum < "$work/one.img" | cut -c1-16)"
else
	bad "two builds differ: $(cmp "$work/one.img" "$work/two.img" | head -1)"
fi

build "$work/a" UTC 022 "$work/three.img" SOURCE_DATE_EPOCH=1700000000 ||
	bad "build with SOURCE_DATE_EPOCH failed"
if cmp -s "$work/one.img" "$work/three.img"; then
	bad "SOURCE_DATE_EPOCH changed nothing"
else
	ok "SOURCE_DATE_EPOCH=1700000000 gives another image"
fi
dd if="$work/three.img" of="$work/part.img" bs=1M skip=1 status=none
created=$(dumpe2fs -h "$work/part.img" 2>/dev/null | sed -n 's/^Filesystem created: *//p')
want=$(LC_ALL=C TZ=UTC date -d @1700000000 '+%a %b %e %H:%M:%S %Y')
if [ "$(LC_ALL=C TZ=UTC dumpe2fs -h "$work/part.img" 2>/dev/null | sed -n 's/^Filesystem created: *//p')" = "$want" ]; then
	ok "superblock creation time is SOURCE_DATE_EPOCH ($want)"
else
	bad "superblock creation time is '$created', want '$want'"
fi
grubcfg_time=$(debugfs -R "stat /boot/grub/grub.cfg" "$work/part.img" 2>/dev/null | sed -n 's/^ *mtime: *0x\([0-9a-f]*\).*/\1/p')
if [ "$((16#${grubcfg_time:-0}))" = 1700000000 ]; then
	ok "grub.cfg mtime is SOURCE_DATE_EPOCH"
else
	bad "grub.cfg mtime is 0x$grubcfg_time"
fi
[ "$fails" = 0 ]
