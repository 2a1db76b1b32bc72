#!/bin/bash
# substitutes.sh -- images from a substitute cache (narinfo + nar), with
# nars made by nix-store --dump and NarHash by nix-hash, not by us.
#
# Every compression gives the same image bytes as the same closure read
# from a store directory; a corrupt nar byte, a truncated nar, a wrong
# NarSize and a missing referenced item are each refused with a message
# naming the item, and leave no image behind.  A closure of 200 items
# reads each narinfo once.
. "$(dirname "$0")/lib.sh"
need_gnumach
command -v nix-store >/dev/null || { echo "SKIP: nix-store missing (nix-bin)"; exit 77; }
workdir
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }

sys=/gnu/store/4rb3r1dfrmy3s1wx3d4dn0p2ak0f9b0b-system
hello=/gnu/store/3g5axq2mgfzwfs5idk3z50fb4d1c1hi1-hello-standin-2.12
glibc=/gnu/store/2l4p1ffwyjlwvzq0v8yq02r71zmhpbhs-glibc-standin-2.41

"$top_srcdir/examples/make-demo-store.sh" store >/dev/null || exit 1
sed 's|demo-store/|store/|' "$top_srcdir/examples/closure.conf" > closure.conf
mk -o closure.img closure.conf || { bad "closure build failed"; exit 1; }

for comp in none gzip xz lzip zstd bzip2; do
	"$top_srcdir/examples/make-demo-cache.sh" "cache-$comp" "$comp" >/dev/null 2>&1 ||
		{ bad "$comp: cannot make the cache"; continue; }
	sed "s|\"demo-cache\"|\"cache-$comp\"|" "$top_srcdir/examples/substitutes.conf" > "$comp.conf"
	if mk -o "$comp.img" "$comp.conf" && cmp -s closure.img "$comp.img"; then
		ok "Compression: $comp gives the closure's image byte for byte"
	else
		bad "Compression: $comp: $(cmp closure.img "$comp.img" 2>&1)"
	fi
	rm -f "$comp.img"
done

refused() { # NAME CONF EXPECTED-REGEX
	local err
	rm -f out.img
	err=$(mk -o out.img "$2" 2>&1)
	local rc=$?
	if [ "$rc" = 1 ] && printf '%s\n' "$err" | grep -Eq -- "$3" &&
	   [ -z "$(ls -A | grep -E '^(out\.img|\.out\.img\.)')" ]; then
		ok "$1 refused: $err"
	else
		bad "$1: status $rc, message '$err', files: $(ls -A | tr '\n' ' ')"
	fi
}

# A corrupt byte inside a file's contents in an uncompressed nar.
cp -a cache-none bad1
nar=bad1/nar/${hello:11:32}.nar
at=$(grep -abo 'Copying and distribution' "$nar" | head -1 | cut -d: -f1)
printf 'X' | dd of="$nar" bs=1 seek="$at" conv=notrunc status=none
sed 's|"demo-cache"|"bad1"|' "$top_srcdir/examples/substitutes.conf" > bad1.conf
refused "a corrupt byte in a file" bad1.conf "^mkhurdimg: $hello: the nar's hash is sha256:[0-9a-z]{52}, its narinfo says NarHash sha256:[0-9a-z]{52}$"

# A corrupt byte in the nar's structure.
cp -a cache-none bad5
nar=bad5/nar/${hello:11:32}.nar
at=$(grep -abo 'directory' "$nar" | head -1 | cut -d: -f1)
printf 'X' | dd of="$nar" bs=1 seek="$at" conv=notrunc status=none
sed 's|"demo-cache"|"bad5"|' "$top_srcdir/examples/substitutes.conf" > bad5.conf
refused "a corrupt byte in the structure" bad5.conf "^mkhurdimg: $hello \\(bad5/nar/.*\\): at byte [0-9]+: unknown node type 'Xirectory'$"

# A truncated nar.
cp -a cache-xz bad2
nar=$(ls bad2/nar/${glibc:11:32}*)
head -c 600 < <(xz -dc "$nar") | xz -c > "$nar.new" && mv "$nar.new" "$nar"
sed 's|"demo-cache"|"bad2"|' "$top_srcdir/examples/substitutes.conf" > bad2.conf
refused "a truncated nar" bad2.conf "^mkhurdimg: $glibc \\(bad2/.*\\): at byte 600: the nar ends too early \\(truncated\\?\\)$"

# A wrong NarSize.
cp -a cache-gzip bad3
sed -i 's/^NarSize: \([0-9]*\)/NarSize: 1\1/' "bad3/${glibc:11:32}.narinfo"
sed 's|"demo-cache"|"bad3"|' "$top_srcdir/examples/substitutes.conf" > bad3.conf
refused "a wrong NarSize" bad3.conf "$glibc: the nar is [0-9]+ bytes, its narinfo says NarSize 1[0-9]+"

# A referenced item missing from the cache.
cp -a cache-zstd bad4
rm "bad4/${glibc:11:32}.narinfo"
sed 's|"demo-cache"|"bad4"|' "$top_srcdir/examples/substitutes.conf" > bad4.conf
refused "a missing referenced item" bad4.conf "^mkhurdimg: /gnu/store/[0-9a-z]{32}-[a-z.0-9-]+ refers to $glibc, whose narinfo bad4/${glibc:11:32}.narinfo cannot be read: No such file or directory$"
# Signatures, made by libgcrypt the way guix publish makes them.
sign=$here/guix-sign.py
mkdir -p key other
python3 "$sign" keygen key && python3 "$sign" keygen other || bad "cannot make keys"
cp -a cache-xz signed
python3 "$sign" sign key/signing-key.sec signed/*.narinfo
sed 's|"demo-cache"|"signed"|; s|^  roots = .*|&\n  public-key = "KEY"|' \
	"$top_srcdir/examples/substitutes.conf" > signed.tmpl
sed 's|KEY|key/signing-key.pub|' signed.tmpl > signed.conf
sed 's|KEY|other/signing-key.pub|' signed.tmpl > other.conf
if mk -o signed.img signed.conf && cmp -s closure.img signed.img; then
	ok "signed narinfos verify with their key; same image"
else
	bad "signed cache: $(cmp closure.img signed.img 2>&1)"
fi
rm -f signed.img
refused "a signature by another key" other.conf "^mkhurdimg: /gnu/store/[0-9a-z]{32}-[a-z.0-9-]+: the narinfo signature is by another key \\(key other/signing-key.pub\\)$"
sed -i 's/^System: i586-gnu/System: x86_64-gnu/' "signed/${glibc:11:32}.narinfo"
refused "a narinfo changed after signing" signed.conf "^mkhurdimg: $glibc: the narinfo signature is over other contents \\(key key/signing-key.pub\\)$"
sed -i '/^Signature: /d' "signed/${glibc:11:32}.narinfo"
refused "an unsigned narinfo" signed.conf "^mkhurdimg: $glibc: the narinfo signature is missing \\(key key/signing-key.pub\\)$"

# A closure of 200 items, each referring to its neighbours and to the item
# 128 before it, so that items met before the set of known items grows
# (at 129) are met again after: each narinfo is read once.  One nar (by
# nix-store --dump) serves every item.
if command -v strace >/dev/null; then
	mkdir -p many/nar
	printf 'one of many\n' > many.file
	nix-store --dump many.file > many/nar/item.nar
	python3 - many 200 "$(nix-hash --type sha256 --base32 many.file)" \
		"$(wc -c < many/nar/item.nar)" <<'PY'
import hashlib, sys
d, n, h, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
abc = "0123456789abcdfghijklmnpqrsvwxyz"
def name(i):
    dg = hashlib.sha256(b"item %d" % i).digest()
    return "".join(abc[b % 32] for b in dg) + "-item-%03d" % i
for i in range(n):
    refs = [name(j) for j in (i - 128, i - 1, i, i + 1) if 0 <= j < n]
    open("%s/%s.narinfo" % (d, name(i)[:32]), "w").write(
        "StorePath: /gnu/store/%s\nURL: nar/item.nar\nCompression: none\n"
        "NarHash: sha256:%s\nNarSize: %s\nReferences: %s\n"
        % (name(i), h, size, " ".join(refs)))
PY
	"$top_srcdir/examples/make-demo-root.sh" many-root >/dev/null
	root=$(sed -n 's/^StorePath: //p' many/*.narinfo | grep -- '-item-000$')
	printf 'translators = "none"\nregister-store = true\ndirectory "many-root" { }\nsubstitutes "many" {\n  roots = { "%s" }\n}\n' \
		"$root" > many.conf
	# (LeakSanitizer cannot run under ptrace: off for this one build.)
	if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat -o many.trace "$MKHURDIMG" -q \
		--types-dir "$top_srcdir/image-types" -o many.img many.conf; then
		n=$(grep -c '"many/[0-9a-z]*\.narinfo"' many.trace)
		dd if=many.img of=many.part bs=1M skip=1 status=none
		items=$(debugfs -R "ls -p /gnu/store" many.part 2>/dev/null | grep -c -- '-item-')
		[ "$n" = 200 ] && [ "$items" = 200 ] &&
			ok "a closure of 200 items: each narinfo read once, 200 items in the store" ||
			bad "a closure of 200 items: $n narinfos read, $items items in the store"
	else
		bad "a closure of 200 items: the build failed"
	fi
	rm -f many.img many.part many.trace
else
	echo "  skip: strace missing: the closure of 200 items is not counted"
fi
[ "$fails" = 0 ]
