#!/bin/bash
# translators.sh -- passive translators are in the file system at build
# time, as the Hurd's ext2fs reads them.  Judged by debugfs, e2fsck and
# the raw EA/legacy blocks, against Guix's table transcribed here from
# guix-hurd-image.md 2.4 (not from mkhurdimg's source).
# A symlink where a translator goes is replaced, with a warning.
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
mk() { "$MKHURDIMG" --types-dir "$top_srcdir/image-types" "$@"; }

# shellcheck source=guix-translators.sh
. "$here/guix-translators.sh"
guix_translator_table > table
[ "$(wc -l < table)" = 94 ] || bad "the transcribed table has $(wc -l < table) entries, Guix sets 94"

cp "$top_srcdir/examples/demo.conf" .
if err=$(mk -o x.img demo.conf 2>&1); then ok "built: $err"; else bad "build: $err"; fi
case $err in *warning*) bad "warnings with every program present: $err" ;; esac
dd if=x.img of=x.part bs=1M skip=1 status=none
e2fsck -fn x.part >/dev/null 2>&1 && ok "e2fsck -fn clean (xattr records)" || bad "e2fsck: $(e2fsck -fn x.part 2>&1 | tail -3)"

# debugfs's ea_get writes each value's raw bytes to a file.
mkdir values
i=0
{ while IFS='|' read -r path mode argv; do
	i=$((i + 1))
	echo "ea_get -f values/$i $path gnu.translator"
	echo "stat $path"
done < table; } > cmds
debugfs -f cmds x.part > out 2>&1
good=0
i=0
while IFS='|' read -r path mode argv; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	for w in $argv; do printf '%s\0' "$w"; done > want
	st=$(awk -v p="debugfs: stat $path" '$0 == p { f = 1; next } /^debugfs:/ { f = 0 } f' out)
	m=$(printf '%s\n' "$st" | sed -n 's/.*Mode: *\([0-7]*\).*/\1/p')
	if ! cmp -s want "values/$i"; then
		bad "$path: gnu.translator is [$(od -An -c "values/$i" 2>&1 | tr -s ' \n' ' ')], want [$(od -An -c want | tr -s ' \n' ' ')]"
	elif ! printf '%s\n' "$st" | grep -q 'File ACL: [1-9][0-9]* *Translator: 0$'; then
		bad "$path: not a File ACL block with Translator: 0"
	elif [ "$((8#$m))" != "$((8#$mode))" ]; then
		bad "$path: mode $m, want $mode"
	elif ! printf '%s\n' "$st" | grep -q "Type: $(case $path in /servers/bus/pci | /dev/vcs) echo directory ;; *) echo regular ;; esac) "; then
		bad "$path: $(printf '%s\n' "$st" | grep -o 'Type: [a-z]*'), want a regular file (a directory for /servers/bus/pci and /dev/vcs)"
	else
		good=$((good + 1))
	fi
done < table
[ "$good" = 94 ] && ok "all 94 nodes carry the exact argz in their EA block, Translator: 0, Guix's modes, regular files but two directories"

# Raw bytes of one EA block: index 10 ("gnu."), name "translator".
acl=$(debugfs -R "stat /dev/null" x.part 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
hdr=$(dd if=x.part bs=4096 skip="$acl" count=1 status=none | od -An -tx1 -N 64 | tr -d ' \n')
case $hdr in
	000002ea01000000*0a0a*7472616e736c61746f72*) ok "EA block $acl: magic EA020000, name index 10, \"translator\"" ;;
	*) bad "EA block header: $hdr" ;;
esac

# The symlinks.
for l in "/dev/urandom /dev/random" "/dev/stdin /dev/fd/0" "/dev/stdout /dev/fd/1" \
	 "/dev/stderr /dev/fd/2" "/servers/crash crash-dump-core" "/dev/disk /dev/rumpdisk" \
	 "/dev/net /dev/netdde" "/servers/socket/inet /servers/socket/2" \
	 "/servers/socket/inet6 /servers/socket/26" "/var/run/mtab /proc/mounts"; do
	set -- $l
	got=$(debugfs -R "stat $1" x.part 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
	[ "$got" = "$2" ] || bad "symlink $1 -> '$got', want $2"
done
ok "Guix's 10 symlinks"
# The console's /dev/vcs/1 and /dev/vcs/2: directories, there before it
# starts (the ttys' hurdio reads /dev/vcs/N/console), and no /dev/vcs/3.
vcs=$(for n in 1 2 3; do debugfs -R "stat /dev/vcs/$n" x.part 2>/dev/null |
	sed -n "s/^Inode: [0-9]*   Type: \([a-z]*\) *Mode: *\([0-7]*\).*/$n \1 \2/p"; done | tr '\n' ' ')
[ "$vcs" = "1 directory 0755 2 directory 0755 " ] && ok "/dev/vcs/1 and /dev/vcs/2: directories, 0755" ||
	bad "/dev/vcs: [$vcs]"

# Config: add, replace and remove.
cat demo.conf - > custom.conf <<'EOF2'
translator "/dev/foo" { command = { "/hurd/storeio", "--store-type=zero" } mode = 0640 }
translator "/dev/null" { command = { "/hurd/null", "--full" } }
translator "/dev/hd3" { remove = true }
EOF2
mk -q -o c.img custom.conf || bad "custom build failed"
dd if=c.img of=c.part bs=1M skip=1 status=none
foo=$(debugfs -R "ea_list /dev/foo" c.part 2>/dev/null | tail -1)
null=$(debugfs -R "ea_list /dev/null" c.part 2>/dev/null | tail -1)
hd3=$(debugfs -R "ea_list /dev/hd3" c.part 2>&1 | tail -1)
[ "$foo" = '  gnu.translator (32) = "/hurd/storeio\000--store-type=zero\000"' ] &&
	[ "$null" = '  gnu.translator (18) = "/hurd/null\000--full\000"' ] &&
	case $hd3 in *"not found"*) true ;; *) false ;; esac &&
	ok "config adds /dev/foo, replaces /dev/null, removes /dev/hd3" ||
	bad "config translators: [$foo] [$null] [$hd3]"

# Legacy records.
sed 's/^kernel-arguments = {}/&\ntranslator-format = "legacy"/' demo.conf > legacy.conf
mk -q -o l.img legacy.conf || bad "legacy build failed"
dd if=l.img of=l.part bs=1M skip=1 status=none
e2fsck -fn l.part >/dev/null 2>&1 && ok "e2fsck -fn clean (legacy records)" || bad "legacy e2fsck: $(e2fsck -fn l.part 2>&1 | tail -3)"
st=$(debugfs -R "stat /dev/console" l.part 2>/dev/null)
tb=$(printf '%s\n' "$st" | sed -n 's/.*Translator: \([0-9]*\).*/\1/p')
bytes=$(dd if=l.part bs=4096 skip="${tb:-0}" count=1 status=none | head -c 41 | od -An -c | tr -s ' \n' ' ')
want=$(printf '%s' "' \\0 / h u r d / t e r m \\0 / d e v / c o n s o l e \\0 d e v i c e \\0 c o n s o l e \\0'")
if [ "${tb:-0}" != 0 ] && printf '%s\n' "$st" | grep -q 'File ACL: 0 *Translator:' &&
   [ "$(echo $bytes)" = "$(echo "' \\0 / h u r d / t e r m \\0 / d e v / c o n s o l e \\0 d e v i c e \\0 c o n s o l e \\0")" ]; then
	ok "legacy: /dev/console has Translator: $tb, no EA block, the block holds length 39 + argz"
else
	bad "legacy: Translator '$tb', bytes [$bytes]"
fi
# A symlink where a translator goes: replaced by the translator's node,
# and said.
mkdir -p sym/dev && ln -s urandom sym/dev/random
{ cat demo.conf; printf 'directory "sym" { }\n'; } > sym.conf
err=$(mk -o s.img sym.conf 2>&1) || bad "symlink build failed: $err"
dd if=s.img of=s.part bs=1M skip=1 status=none
type=$(debugfs -R "stat /dev/random" s.part 2>/dev/null | sed -n 's/.*Type: \([a-z]*\).*/\1/p')
tr=$(debugfs -R "ea_list /dev/random" s.part 2>/dev/null | tail -1)
if [ "$type" = regular ] && case $tr in *gnu.translator*) true ;; *) false ;; esac &&
	printf '%s\n' "$err" | grep -qx 'mkhurdimg: warning: /dev/random is a symlink; replaced by a node for its translator'; then
	ok "a symlink at /dev/random: replaced by its translator's node, with a warning"
else
	bad "a symlink at /dev/random: type [$type], [$tr], said [$err]"
fi
rm -f s.img s.part

[ "$fails" = 0 ]
