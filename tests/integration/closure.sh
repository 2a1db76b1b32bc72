#!/bin/bash
# closure.sh -- images from a store closure (reference graph or path list).
#
# Builds examples/closure.conf from the demo store and checks, with e2fsck
# and debugfs (not our code), that every item is in /gnu/store with the
# store's modes and links; that an "optimised" store (identical files
# hard-linked across items) and a plain path list give the very same image
# bytes as the reference graph; and that the image boots is left to
# boot-demo.sh (same boot path).
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
cp "$top_srcdir/examples/closure.conf" .
build() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o "$1" "$2"; }

"$top_srcdir/examples/make-demo-store.sh" demo-store || exit 1
build graph.img closure.conf || bad "build from the reference graph failed"
dd if=graph.img of=part.img bs=1M skip=1 status=none
if e2fsck -fn part.img >e2fsck.out 2>&1; then ok "e2fsck -fn is clean"; else bad "e2fsck: $(cat e2fsck.out)"; fi

# debugfs: the store directory, every item, modes and symlinks.
dbg() { debugfs -R "$1" part.img 2>/dev/null; }
mode_of() { printf '%o' "$((8#$(dbg "stat $1" | sed -n 's/.*Mode: *\([0-7]*\).*/\1/p')))"; }
[ "$(mode_of /gnu/store)" = 1775 ] && ok "/gnu/store is 1775" || bad "/gnu/store mode $(mode_of /gnu/store)"
sed -n '/^\/gnu\/store\//p' demo-store/system.graph | sort -u > items
while read -r item; do
	host=demo-store/gnu/store/${item##*/}
	[ "$(mode_of "$item")" = "$(stat -c %a "$host")" ] ||
		bad "$item: mode $(mode_of "$item"), host $(stat -c %a "$host")"
done < items
ok "$(wc -l < items) items present with their modes"
sys=$(grep -- '-system$' items | head -1)
want=$(readlink "demo-store/gnu/store/${sys##*/}/profile")
got=$(dbg "cat $sys/profile")  # a slow symlink: its block holds the target
[ "${#want}" -gt 60 ] && [ "$got" = "$want" ] && ok "symlink $sys/profile -> $got" || bad "symlink: '$got' != '$want'"
h=$(grep -- '-hurd-standin' items)
[ "$(dbg "cat $h/hurd/ext2fs.static" | sha256sum)" = "$(sha256sum < "demo-store/gnu/store/${h##*/}/hurd/ext2fs.static")" ] &&
	ok "ext2fs.static content matches" || bad "ext2fs.static content differs"
links=$(dbg "stat $h/hurd/exec" | sed -n 's/.*Links: \([0-9]*\).*/\1/p')
[ "$links" = 1 ] && ok "no hard links inside the store" || bad "exec has $links links"

# An optimised store (hard links across items) gives the same bytes.
"$top_srcdir/examples/make-demo-store.sh" demo-store --optimise || exit 1
[ "$(find demo-store -type f -links +1 | wc -l)" -gt 0 ] || bad "the optimised store has no hard links"
build optimised.img closure.conf || bad "build from the optimised store failed"
cmp -s graph.img optimised.img && ok "optimised store: identical image" ||
	bad "optimised store: $(cmp graph.img optimised.img)"

# A path list (guix gc -R output) names the same items, without the
# references the database records: the same image once registration is
# off for both.
sed 's/system.graph/system.list/' closure.conf > list.conf
printf 'register-store = false\n' | tee -a list.conf >> closure.conf
cp items demo-store/system.list
build list.img list.conf || bad "build from a path list failed"
build graph-noreg.img closure.conf || bad "build without registration failed"
cmp -s graph-noreg.img list.img && ok "path list: identical image" || bad "path list: $(cmp graph-noreg.img list.img)"
[ "$fails" = 0 ]
