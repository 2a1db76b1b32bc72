#!/bin/bash
# guix-db.sh -- the store database in the image, judged by sqlite3 and by
# Nix's own tools: every ValidPaths hash and size against nix-hash and
# nix-store --dump of the host store, every Refs edge against the
# reference graph, insertion order leaves first, no WAL, and the profile
# links (one store file has holes, whose zeros the hash must count).  For a closure read from a store (hashed while copied) and for
# the same closure from a substitute cache (hashes from the narinfos).
. "$(dirname "$0")/lib.sh"
need_gnumach
for p in sqlite3 nix-hash nix-store; do
	command -v $p >/dev/null || { echo "SKIP: $p missing"; exit 77; }
done
workdir
sys=/gnu/store/4rb3r1dfrmy3s1wx3d4dn0p2ak0f9b0b-system
"$top_srcdir/examples/make-demo-store.sh" demo-store >/dev/null || exit 1
"$top_srcdir/examples/make-demo-cache.sh" cache zstd >/dev/null 2>&1 || exit 1
# A file with holes in a store item: its NAR hash counts the holes' zeros.
# The cache's nar and narinfo for that item are made again from it, by
# nix-store --dump and nix-hash.
h=3g5axq2mgfzwfs5idk3z50fb4d1c1hi1
item=demo-store/gnu/store/$h-hello-standin-2.12
mkdir -p "$item/share" && truncate -s 3000000 "$item/share/sparse"
printf middle | dd of="$item/share/sparse" bs=1 seek=1500000 conv=notrunc status=none
nar=$(sed -n 's/^URL: //p' "cache/$h.narinfo")
nix-store --dump "$item" | zstd -q -c > "cache/$nar"
sed -i "s|^FileSize: .*|FileSize: $(wc -c < "cache/$nar")|
	s|^NarHash: .*|NarHash: sha256:$(nix-hash --type sha256 --base32 "$item")|
	s|^NarSize: .*|NarSize: $(nix-store --dump "$item" | wc -c)|" "cache/$h.narinfo"
cp "$top_srcdir/examples/bare-hurd.conf" store.conf
sed "s|^closure .*|substitutes \"cache\" { roots = { \"$sys\" } }|; /^  store = /d; /^}$/{x;s/^/x/;/^x\\{5\\}$/{x;d};x}" store.conf > cache.conf
grep -q '^substitutes "cache"' cache.conf || bad "cache.conf was not made"

check() { # NAME CONF
	local name=$1 conf=$2
	rm -f img part db.sqlite
	"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o img "$conf" || { bad "$name: build failed"; return; }
	dd if=img of=part bs=1M skip=1 status=none
	e2fsck -fn part >/dev/null 2>&1 || bad "$name: e2fsck"
	debugfs -R "dump /var/guix/db/db.sqlite db.sqlite" part >/dev/null 2>&1
	[ "$(sqlite3 db.sqlite 'pragma integrity_check')" = ok ] || { bad "$name: integrity_check"; return; }
	[ "$(sqlite3 db.sqlite 'pragma journal_mode')" != wal ] && [ "$(od -An -tu1 -j18 -N2 db.sqlite | tr -s ' ')" = " 1 1" ] &&
		ok "$name: not in WAL mode (header bytes 18-19 = 1 1)" || bad "$name: WAL"
	local n=0 path hash size reg want wsize
	while IFS='|' read -r path hash size reg; do
		n=$((n + 1))
		want=sha256:$(nix-hash --type sha256 "demo-store$path")
		wsize=$(nix-store --dump "demo-store$path" | wc -c)
		[ "$hash" = "$want" ] && [ "$size" = "$wsize" ] && [ "$reg" = 1 ] ||
			bad "$name: $path: $hash $size $reg, want $want $wsize 1"
	done < <(sqlite3 db.sqlite 'select path, hash, narSize, registrationTime from ValidPaths')
	[ "$n" = 6 ] && ok "$name: 6 ValidPaths, each hash and size equal to nix-hash / nix-store --dump" || bad "$name: $n ValidPaths"
	# Refs against the graph.
	awk 'NR == 1 || state == 0 { item = $0; state = 1; next }
	     state == 1 { state = 2; next }
	     state == 2 { n = $0; state = n > 0 ? 3 : 0; next }
	     state == 3 { print item "|" $0; if (--n == 0) state = 0 }' demo-store/system.graph | sort > want.refs
	sqlite3 db.sqlite 'select a.path || "|" || b.path from Refs r join ValidPaths a on a.id = r.referrer join ValidPaths b on b.id = r.reference' | sort > got.refs
	cmp -s want.refs got.refs && ok "$name: Refs are the graph's $(wc -l < want.refs) edges" || bad "$name: Refs differ: $(diff want.refs got.refs | head -5)"
	local leaves
	leaves=$(sqlite3 db.sqlite 'select count(*) from Refs r where r.reference > r.referrer')
	[ "$leaves" = 0 ] && ok "$name: every item registered after what it refers to" || bad "$name: $leaves refs point forward"
	[ "$(debugfs -R 'cat /var/guix/db/schema' part 2>/dev/null)" = 7 ] || bad "$name: schema"
	local l1 l2
	l1=$(debugfs -R 'stat /var/guix/profiles/system' part 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
	l2=$(debugfs -R 'stat /var/guix/profiles/system-1-link' part 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
	[ "$l1" = system-1-link ] && [ "$l2" = "$sys" ] && ok "$name: /var/guix/profiles/system -> system-1-link -> the system" ||
		bad "$name: profile links '$l1' '$l2'"
	cp db.sqlite "$name.sqlite"
}
check store store.conf
check cache cache.conf
cmp -s store.sqlite cache.sqlite && ok "hashed while copied == taken from the narinfos: the same database bytes" ||
	bad "the two databases differ"
[ "$fails" = 0 ]
