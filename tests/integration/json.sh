#!/bin/bash
# json.sh -- --json prints one JSON object on stdout and nothing else,
# each field checked against a tool of its own: qemu-img info (virtual
# size), stat (file size), sfdisk (partition size), dumpe2fs (UUID), the translator table (94 with Guix's, 93 with one removed);
# messages stay on stderr, and a failed build prints nothing on stdout;
# --list-image-types --json is the text list's types, with the keys of
# their files; inspect --json IMAGE FILE is refused, not ignored.
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
for t in python3 qemu-img sfdisk dumpe2fs; do
	command -v $t >/dev/null || skip "$t not found"
done
workdir
mkdir -p root/boot root/hurd root/lib
printf 'not really GNU Mach\n' > root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "root/hurd/$s"; done
echo 'ld.so stand-in' > root/lib/ld.so.1
printf 'directory "root" { target = "/" }\n' > os.conf
printf 'directory "root" { target = "/" }\ntranslator "/servers/crash-kill" { remove = true }\n' > fewer.conf

field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }

"$MKHURDIMG" -t hurd-qcow2 --json -o x.qcow2 os.conf > out.json 2> err.txt || bad "build failed: $(cat err.txt)"
python3 -m json.tool out.json > /dev/null && [ "$(wc -l < out.json)" = 1 ] &&
	ok "stdout is one line of valid JSON" || bad "stdout is not one JSON object: $(cat out.json)"
grep -q 'hurd-qcow2 image' err.txt && ok "the summary stays on stderr" || bad "no summary on stderr"
[ "$(field out.json output)" = x.qcow2 ] || bad "output"
[ "$(field out.json image_type)" = hurd-qcow2 ] || bad "image_type"
[ "$(field out.json format)" = qcow2 ] || bad "format"
vs=$(qemu-img info --output=json x.qcow2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')
[ "$(field out.json virtual_size)" = "$vs" ] && ok "virtual_size $vs = qemu-img info" || bad "virtual_size vs qemu-img $vs"
[ "$(field out.json file_size)" = "$(stat -c %s x.qcow2)" ] && ok "file_size = stat" || bad "file_size"
qemu-img convert -O raw x.qcow2 x.raw
psize=$(sfdisk -d x.raw | sed -n 's/.*size= *\([0-9]*\).*/\1/p')
[ "$(field out.json root_size)" = $((psize * 512)) ] && ok "root_size = sfdisk's partition" || bad "root_size vs $psize sectors"
dd if=x.raw of=part.img bs=512 skip=2048 status=none
uuid=$(dumpe2fs -h part.img 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
[ "$(field out.json root_uuid)" = "$uuid" ] && ok "root_uuid $uuid = dumpe2fs" || bad "root_uuid vs $uuid"
[ "$(field out.json translators)" = 94 ] && ok "translators: Guix's 94" || bad "translators $(field out.json translators)"
python3 - out.json <<'PY' && ok "elapsed: read + write = total, all >= 0" || bad "elapsed"
import json, sys
e = json.load(open(sys.argv[1]))["elapsed"]
assert min(e.values()) >= 0 and abs(e["read"] + e["write"] - e["total"]) < 0.002
PY
"$MKHURDIMG" -q -t hurd-raw --json -o y.img fewer.conf > fewer.json || bad "fewer.conf build failed"
[ "$(field fewer.json translators)" = 93 ] && ok "translators: 93 with one removed" || bad "fewer translators"
[ "$(field fewer.json files)" -gt 100 ] || bad "files $(field fewer.json files)"
if "$MKHURDIMG" -q --json -o z.img missing.conf > fail.json 2>/dev/null; then
	bad "a failed build succeeded"
else
	[ ! -s fail.json ] && [ ! -e z.img ] && ok "a failed build prints nothing on stdout" || bad "failed build printed [$(cat fail.json)]"
fi
# ---- --list-image-types --json ----
"$MKHURDIMG" --list-image-types --json > types.json 2> err.txt || bad "--list-image-types --json failed: $(cat err.txt)"
"$MKHURDIMG" --list-image-types > types.txt || bad "--list-image-types failed"
[ "$(wc -l < types.json)" = 1 ] && python3 -m json.tool types.json > /dev/null &&
	ok "--list-image-types --json: one line of valid JSON" || bad "--list-image-types --json: $(head -c 200 types.json)"
python3 - types.json types.txt <<'PY' && ok "--list-image-types --json: the text list's types, each with its file's system, format and output" || bad "--list-image-types --json differs from the type files"
import json, re, sys
types = json.load(open(sys.argv[1]))["image_types"]
text = [l.split(None, 1) for l in open(sys.argv[2]).read().splitlines()]
assert [(t["name"], t["description"]) for t in types] == [(n, d) for n, d in text], "names"
for t in types:
    conf = dict(re.findall(r'^([a-z-]+) = "(.*)"$', open(t["file"]).read(), re.M))
    assert t["file"].endswith("/" + t["name"] + ".conf"), t["file"]
    for k in ("system", "format", "output", "description"):
        assert conf[k] == t[k], (t["name"], k)
PY

# ---- inspect --json with a file: refused, not ignored ----
out=$("$MKHURDIMG" inspect --json x.raw /etc/hostname 2>&1 >insp.out); rc=$?
[ $rc = 2 ] && [ ! -s insp.out ] &&
	[ "$out" = "mkhurdimg: inspect: --json lists a directory or sums up the image; the bytes of the file /etc/hostname have no JSON form: leave out --json" ] &&
	ok "inspect --json IMAGE FILE: exit 2, nothing on stdout: $out" || bad "inspect --json FILE: exit $rc, [$out], stdout [$(head -c 80 insp.out)]"

[ $fails = 0 ]
