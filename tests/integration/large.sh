#!/bin/bash
# large.sh -- scale and ext2's limits.
#
# 1. A closure of 20,000 store items in one store directory (a path list):
#    built, e2fsck -fn clean, and debugfs lists all 20,000 names.
# 2. A directory with 64,998 subdirectories, the most ext2 allows (its
#    link count would be 65,000, EXT2_LINK_MAX): built and e2fsck clean.
# 3. One more subdirectory: refused before anything is written, with a
#    message naming the directory and the limit, and no image left.
. "$(dirname "$0")/lib.sh"
need_gnumach
# Many small directories: tmpfs is 30 times faster at them than most disks.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	workdir /dev/shm/mkhurdimg-large.XXXXXX
else
	workdir
fi
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }
conf() { # FILE SOURCE-LINES...
	local f=$1
	shift
	sed '/^directory "demo-root"/d' "$top_srcdir/examples/demo.conf" > "$f"
	printf 'directory "demo-root" { }\n' >> "$f"
	printf '%s\n' "$@" >> "$f"
}

# 1. 20,000 store items.
mkdir -p store
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%032d-item-%d\n", i, i }' > names
(cd store && xargs -a ../names mkdir -p && sed 's|$|/f|' ../names | xargs touch)
sed 's|^|/gnu/store/|' names > items.list
conf many.conf 'closure "items.list" { store = "store" }'
start=$(date +%s%N)
if mk -o many.img many.conf; then
	ok "20,000 items built in $(( ($(date +%s%N) - start) / 1000000 )) ms"
	dd if=many.img of=many.part bs=1M skip=1 status=none
	e2fsck -fn many.part >/dev/null 2>&1 && ok "e2fsck -fn clean" ||
		bad "e2fsck: $(e2fsck -fn many.part 2>&1 | tail -3)"
	n=$(debugfs -R "ls -p /gnu/store" many.part 2>/dev/null | grep -c -- '-item-')
	[ "$n" = 20000 ] && ok "debugfs lists $n items in /gnu/store" || bad "debugfs lists $n items"
else
	bad "20,000 items: build failed"
fi
rm -rf store many.*

# 2. 64,998 subdirectories: the most one directory can have.
mkdir -p wide/d
(cd wide/d && seq -f 's%05g' 1 64998 | xargs mkdir)
conf wide.conf 'directory "wide" { target = "/wide" }'
if mk -s 400M -o wide.img wide.conf; then
	dd if=wide.img of=wide.part bs=1M skip=1 status=none
	links=$(debugfs -R "stat /wide/d" wide.part 2>/dev/null | sed -n 's/.*Links: \([0-9]*\).*/\1/p')
	[ "$links" = 65000 ] && ok "64,998 subdirectories: /wide/d has 65000 links" ||
		bad "links of /wide/d: '$links'"
	e2fsck -fn wide.part >/dev/null 2>&1 && ok "e2fsck -fn clean at the limit" ||
		bad "e2fsck at the limit: $(e2fsck -fn wide.part 2>&1 | tail -3)"
else
	bad "64,998 subdirectories: build failed"
fi
rm -f wide.img wide.part

# 3. One more.
mkdir wide/d/s64999
err=$(mk -s 400M -o wide.img wide.conf 2>&1)
rc=$?
want="mkhurdimg: /wide/d: 64999 subdirectories; ext2 allows at most 64998 in one directory (its link count limit)"
if [ "$rc" = 1 ] && [ "$err" = "$want" ] && [ ! -e wide.img ] &&
   [ -z "$(ls -A | grep '^\.wide\.img')" ]; then
	ok "64,999 subdirectories refused: $err"
else
	bad "64,999 subdirectories: status $rc, '$err'"
fi
[ "$fails" = 0 ]
