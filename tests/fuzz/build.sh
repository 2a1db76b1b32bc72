#!/bin/sh
# Build the libFuzzer harnesses: every module but main.c, compiled with
# clang, coverage and ASan/UBSan, into one binary per harness.
#   build.sh SRCDIR BUILDDIR OUTDIR [HARNESS...]  (BUILDDIR holds autoconfig.h)
set -eu
srcdir=$1 builddir=$2 out=$3
shift 3
names=${*:-config graph narinfo nar archive params}
CC=${FUZZ_CC:-clang}
pkgs="ext2fs com_err libconfuse libgcrypt libarchive sqlite3 zlib"
mkdir -p "$out/obj"
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
cflags="-I$srcdir/include -I$builddir $(pkg-config --cflags $pkgs) -DTYPESDIR=\"/nonexistent\" -DSRCTYPESDIR=\"$srcdir/image-types\""
objs=""
for c in "$srcdir"/src/*.c "$srcdir"/src/*/*.c; do
	[ "$(basename "$c")" = main.c ] && continue
	o="$out/obj/$(basename "$c" .c).o"
	if [ ! -f "$o" ] || [ "$c" -nt "$o" ]; then
		$CC $flags $cflags -D_GNU_SOURCE -c "$c" -o "$o"
	fi
	objs="$objs $o"
done
for name in $names; do
	h=$srcdir/tests/fuzz/fuzz-$name.c
	name=fuzz-$name
	$CC $flags -fsanitize=fuzzer $cflags -I"$srcdir/tests/fuzz" "$h" $objs \
		$(pkg-config --libs $pkgs) -lpthread -o "$out/$name"
	echo "built $out/$name"
done
