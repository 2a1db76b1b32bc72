#!/bin/bash
# guix-system.sh -- a Guix system item boots as Guix boots it.
#
# From the demo store's system item (examples/make-demo-store.sh), the
# image's grub.cfg, read back with GRUB's own grub-fstest, holds the menu
# entry Guix's gnu/bootloader/grub.scm writes for that system's
# parameters: written out here from guix-hurd-image.md section 3.4 and
# guix-boot-parameters.md.  A second system item, whose kernel-arguments
# are ("noide" "console=com0"), puts them last and switches to wd0.  Then
# QEMU boots the images (hurd-raw and hurd64-raw, Debian's GNU Mach, TCG)
# and GNU Mach's "task loaded:" lines must be the parameters' own words
# with every boot-script variable substituted, as a reader written here
# in Python (not mkhurdimg's) expects them.
. "$(dirname "$0")/lib.sh"
need_gnumach
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
command -v grub-fstest >/dev/null || skip "no grub-fstest (grub-common)"
"${CC:-gcc}" -m32 -static -nostdlib -fno-pic -no-pie -o /dev/null \
	"$top_srcdir/examples/standin.c" 2>/dev/null ||
	skip "cannot build 32-bit stand-ins"
export LC_ALL=C
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
workdir "${TMPDIR:-/tmp}/guix-system.XXXXXX"

"$top_srcdir/examples/make-demo-store.sh" demo-store >/dev/null || exit 1
S=/gnu/store
mach=$S/0b3ydc8i1m2dvhmsbrnfhcqqj3k7jl3i-gnumach-1.8
hurd=$S/1hqdzmf8rjmwfrc39dha7lmjmz2vwlf5-hurd-standin-0.9
sys=$S/4rb3r1dfrmy3s1wx3d4dn0p2ak0f9b0b-system
sys2=$S/6zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-system

# A second system item: the first one with kernel-arguments
# ("noide" "console=com0"), added to the store and the graph.
chmod u+w demo-store/gnu/store
cp -a "demo-store$sys" "demo-store$sys2"
chmod u+w "demo-store$sys2" "demo-store$sys2/parameters"
sed 's/(kernel-arguments ("console=com0"))/(kernel-arguments ("noide" "console=com0"))/' \
	"demo-store$sys/parameters" > "demo-store$sys2/parameters"
grep -q '"noide" "console=com0"' "demo-store$sys2/parameters" || { bad "cannot make the noide system"; exit 1; }
touch -h -d @1 "demo-store$sys2/parameters" "demo-store$sys2"
chmod 0555 "demo-store$sys2"
chmod 0444 "demo-store$sys2/parameters"
{
	cat demo-store/system.graph
	printf '%s\n\n5\n%s\n%s\n%s\n%s\n%s\n' "$sys2" "$mach" "$hurd" \
		$S/3g5axq2mgfzwfs5idk3z50fb4d1c1hi1-hello-standin-2.12 "$sys2" \
		$S/5jq8m0a5v3x9l2c7kdb1wzrh6nfgp4ys-tzdata-2025b
} > two.graph

conf() { # NAME SYSTEM
	cat > "$1.conf" <<EOF
host-name = "guixygnu"
guix-system = "$2"
bootloader { timeout = 0 serial = true }
closure "two.graph" { store = "demo-store/gnu/store" }
EOF
}
conf first "$sys"
conf noide "$sys2"
build() { # TYPE CONF IMG
	"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t "$1" -o "$3" "$2" ||
		{ bad "mkhurdimg -t $1 $2 failed"; return 1; }
}

# --- the menu entry, as Guix writes it ----------------------------------
modules="  module $hurd/hurd/pci-arbiter.static pci-arbiter --host-priv-port='\${host-port}' --device-master-port='\${device-port}' --next-task='\${disk-task}' '\$(pci-task=task-create)' '\$(task-resume)'
  module $hurd/hurd/rumpdisk.static rumpdisk --next-task='\${fs-task}' '\$(disk-task=task-create)'
  module $hurd/hurd/ext2fs.static ext2fs --multiboot-command-line='\${kernel-command-line}' --exec-server-task='\${exec-task}' --store-type=typed '\${root}' '\$(fs-task=task-create)'
  module $hurd/hurd/exec.static exec '\$(exec-task=task-create)'"
want_first="menuentry \"GNU with the Hurd 0.9\" {
  multiboot $mach/boot/gnumach root=part:1:device:hd0 root=hurd gnu.system=$sys gnu.load=$sys/boot console=com0
$modules
}"
want_noide="menuentry \"GNU with the Hurd 0.9\" {
  multiboot $mach/boot/gnumach root=part:1:device:wd0 root=hurd gnu.system=$sys2 gnu.load=$sys2/boot noide console=com0
$modules
}"
want_64="menuentry \"GNU with the Hurd 0.9\" {
  multiboot $mach/boot/gnumach root=part:1:device:wd0 root=hurd gnu.system=$sys gnu.load=$sys/boot console=com0
$modules
}"

# The menu entry of IMG's grub.cfg, read by GRUB's own file system code.
entry() {
	grub-fstest "$1" cat '(loop0,msdos1)/boot/grub/grub.cfg' 2>/dev/null |
		sed -n '/^menuentry /,/^}/p'
}
check_entry() { # WHAT IMG WANT
	local got
	got=$(entry "$2")
	if [ "$got" = "$3" ]; then
		ok "$1: the menu entry is Guix's, line for line"
	else
		bad "$1: the menu entry differs from Guix's"
		diff <(printf '%s\n' "$3") <(printf '%s\n' "$got") | sed 's/^/    /'
	fi
}

build hurd-raw first.conf first.img && check_entry "hurd-raw, demo system" first.img "$want_first"
build hurd-raw noide.conf noide.img && check_entry "hurd-raw, noide system" noide.img "$want_noide"
build hurd64-raw first.conf first64.img && check_entry "hurd64-raw, demo system" first64.img "$want_64"

# The root's label comes from the system's root-device.
dd if=first.img of=part.img bs=1M skip=1 status=none
label=$(dumpe2fs -h part.img 2>/dev/null | sed -n 's/^Filesystem volume name: *//p')
[ "$label" = hurd ] && ok "root label 'hurd', from (file-system-label \"hurd\")" || bad "label '$label'"
fstab=$(debugfs -R 'cat /etc/fstab' part.img 2>/dev/null | grep -v '^#')
[ "$(printf '%s' "$fstab" | cut -f1)" = /dev/hd0s1 ] && ok "fstab: /dev/hd0s1, the policy's disk" || bad "fstab: $fstab"
dd if=noide.img of=part2.img bs=1M skip=1 status=none
fstab=$(debugfs -R 'cat /etc/fstab' part2.img 2>/dev/null | grep -v '^#')
[ "$(printf '%s' "$fstab" | cut -f1)" = /dev/wd0s1 ] && ok "fstab with noide: /dev/wd0s1" || bad "fstab: $fstab"

# A UUID root-device makes the file system's UUID the system's (mke2fs -U).
cp -a demo-store uuid-store
chmod u+w "uuid-store$sys" "uuid-store$sys/parameters"
sed 's/(root-device (file-system-label "hurd"))/(root-device (uuid dce #vu8(18 52 86 120 154 188 222 240 1 35 69 103 137 171 205 239)))/' \
	"demo-store$sys/parameters" > "uuid-store$sys/parameters"
sed 's/demo-store/uuid-store/' first.conf > uuid.conf
if build hurd-raw uuid.conf uuid.img; then
	dd if=uuid.img of=part3.img bs=1M skip=1 status=none
	uuid=$(dumpe2fs -h part3.img 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
	[ "$uuid" = 12345678-9abc-def0-0123-456789abcdef ] && ok "UUID root-device: file system UUID $uuid" || bad "uuid '$uuid'"
	entry uuid.img | grep -q " root=12345678-9abc-def0-0123-456789abcdef gnu.system=$sys " &&
		ok "UUID root-device: root=UUID on the multiboot line" || bad "uuid entry: $(entry uuid.img | sed -n 2p)"
fi

# --- the boots -----------------------------------------------------------
# expected.py PARAMETERS CMDLINE ROOT: one ERE per module, for its
# "task loaded:" line: the module's words after the file, with the
# quotes GRUB removes gone, ${kernel-command-line} and ${root} as GNU
# Mach substitutes them, other ${...} (ports, tasks) as numbers, and
# the $(...) actions (run, not printed) left out.
cat > expected.py <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
cmdline, root = sys.argv[2], sys.argv[3]
# An S-expression tokenizer of our own: strings, parens, atoms.
tok = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"]+))')
pos, stack, top = 0, [[]], None
while pos < len(text):
    m = tok.match(text, pos)
    if not m or m.end() == pos:
        break
    pos = m.end()
    if m.group(1):
        stack.append([])
    elif m.group(2):
        done = stack.pop()
        stack[-1].append(done)
    elif m.group(3) is not None:
        stack[-1].append(('str', re.sub(r'\\(.)', r'\1', m.group(3))))
    elif m.group(4):
        stack[-1].append(m.group(4))
params = stack[-1][0]
mods = [f for f in params if isinstance(f, list) and f and f[0] == 'multiboot-modules'][0][1]
for mod in mods:
    words = []
    for kind, w in mod[1:]:
        if re.fullmatch(r"'\$\([^)]*\)'", w):
            continue
        w = w.replace("'", '')
        parts = re.split(r'(\$\{[^}]*\})', w)
        out = ''
        for p in parts:
            if p == '${kernel-command-line}':
                out += re.escape(cmdline)
            elif p == '${root}':
                out += re.escape(root)
            elif p.startswith('${'):
                out += '[0-9]+'
            else:
                out += re.escape(p)
        words.append(out)
    print('^task loaded: ' + ' '.join(words) + '$')
EOF

boot_check() { # WHAT IMG TYPE SYSTEM DISK ARGS
	local what=$1 img=$2 type=$3 system=$4 disk=$5 args=$6 cmdline log n i
	cmdline="root=part:1:device:${disk}0 root=hurd gnu.system=$system gnu.load=$system/boot $args"
	python3 expected.py "demo-store$system/parameters" "$cmdline" \
		"part:1:device:${disk}0" > "$what.want" 2>&1 ||
		{ bad "$what: expected.py: $(cat "$what.want")"; return; }
	timeout $((BOOT_TIMEOUT + 15)) "$MKHURDIMG" boot -t "$type" --accel=tcg --no-forward \
		--expect '^start [^ ]+:|panic|^error: ' --timeout "$BOOT_TIMEOUT" "$img" \
		> "$what.serial" 2> "$what.qemu"
	log=$(tr -d '\r' < "$what.serial" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g')
	printf '%s\n' "$log" | grep -a '^task loaded:' > "$what.got"
	n=$(wc -l < "$what.want")
	if [ "$n" -ne 4 ] || [ "$(wc -l < "$what.got")" -ne "$n" ]; then
		bad "$what: $(wc -l < "$what.got") 'task loaded:' lines, want $n"
		printf '%s\n' "$log" | sed 's/^/    /' | tail -20
		return
	fi
	for i in $(seq 1 "$n"); do
		if sed -n "${i}p" "$what.got" | grep -Eq "$(sed -n "${i}p" "$what.want")"; then
			ok "$what: $(sed -n "${i}p" "$what.got" | cut -c1-110)..."
		else
			bad "$what: line $i: '$(sed -n "${i}p" "$what.got")' does not match '$(sed -n "${i}p" "$what.want")'"
		fi
	done
	printf '%s\n' "$log" | grep -aq '^start pci-arbiter:' && ok "$what: start pci-arbiter:" ||
		bad "$what: no 'start pci-arbiter:' ($(tail -1 "$what.qemu"))"
}

[ -f first.img ] && boot_check hurd-raw first.img hurd-raw "$sys" hd "console=com0"
[ -f first64.img ] && boot_check hurd64-raw first64.img hurd64-raw "$sys" wd "console=com0"
[ -f noide.img ] && boot_check "hurd-raw noide" noide.img hurd-raw "$sys2" wd "noide console=com0"
[ "$fails" = 0 ]
