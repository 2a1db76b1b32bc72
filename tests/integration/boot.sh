#!/bin/bash
# boot.sh -- mkhurdimg boot: the QEMU command line for every image type
# (--dry-run, no emulator needed): hurd-vm's three forwards, moved by --id,
# and -M q35 for every hurd64 type; --print-offload-entry's record word for
# word; the usage errors word for word, and real
# boots of the demo image: --expect matching GNU Mach's "start ext2fs:",
# a timeout, QEMU exiting first, SIGTERM, --timeout alone and the default
# (auto) accelerator.  Each boot is bounded by --timeout and by timeout(1);
# after each one no QEMU on the test's image may be left.
#
# Environment: QEMU (qemu-system-x86_64), BOOT_TIMEOUT (seconds per boot,
# default 120), CC (for the 32-bit stand-ins).
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
QEMU=${QEMU:-qemu-system-x86_64}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
workdir "${TMPDIR:-/tmp}/boot-test.XXXXXX"

boot() { "$MKHURDIMG" boot "$@"; }

# same WHAT GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		bad "$1"
		printf '    got:  %s\n    want: %s\n' "$2" "$3"
	fi
}

# --- the command lines (--dry-run) -----------------------------------------
truncate -s 1M raw.img
{ printf 'QFI\373'; head -c 1020 /dev/zero; } > q.qcow2
# hurd-vm-net-options: secrets, ssh, VNC, in that order.
net='-device rtl8139,netdev=net0 -netdev user,id=net0,hostfwd=tcp:127.0.0.1:11004-:1004,hostfwd=tcp:127.0.0.1:10022-:22,hostfwd=tcp:127.0.0.1:15900-:5900'
tail_fg='-no-reboot -accel tcg -display none -serial mon:stdio'

same "hurd-raw: the childhurd's machine, -snapshot, ssh on 10022" \
	"$(boot --dry-run --accel=tcg -t hurd-raw raw.img)" \
	"qemu-system-x86_64 -m 2048 $net -snapshot -drive file=raw.img,format=raw,if=ide $tail_fg"
same "hurd-qcow2" \
	"$(boot --dry-run --accel=tcg -t hurd-qcow2 q.qcow2)" \
	"qemu-system-x86_64 -m 2048 $net -snapshot -drive file=q.qcow2,format=qcow2,if=ide $tail_fg"
same "hurd64-raw at 2048 MiB: -M q35 (hurd-vm gives hurd64 q35 at any size)" \
	"$(boot --dry-run --accel=tcg -t hurd64-raw raw.img)" \
	"qemu-system-x86_64 -m 2048 -M q35 $net -snapshot -drive file=raw.img,format=raw,if=ide $tail_fg"
same "hurd64-raw at 4G: -M q35" \
	"$(boot --dry-run --accel=tcg -t hurd64-raw -m 4G raw.img)" \
	"qemu-system-x86_64 -m 4096 -M q35 $net -snapshot -drive file=raw.img,format=raw,if=ide $tail_fg"
same "hurd64-qcow2 at 3584 MiB: -M q35" \
	"$(boot --dry-run --accel=tcg -t hurd64-qcow2 --memory 3584 q.qcow2)" \
	"qemu-system-x86_64 -m 3584 -M q35 $net -snapshot -drive file=q.qcow2,format=qcow2,if=ide $tail_fg"
same "hurd64-qcow2 at 512 MiB: -M q35" \
	"$(boot --dry-run --accel=tcg -t hurd64-qcow2 -m 512 q.qcow2)" \
	"qemu-system-x86_64 -m 512 -M q35 $net -snapshot -drive file=q.qcow2,format=qcow2,if=ide $tail_fg"
same "hurd-qcow2 (32-bit) at 8G: no q35" \
	"$(boot --dry-run --accel=tcg -t hurd-qcow2 -m 8G q.qcow2 | grep -o -- '-m [0-9]* [^ ]*')" \
	"-m 8192 -device"
same "no -t: qcow2 from the file's magic" \
	"$(boot --dry-run --accel=tcg q.qcow2 | grep -o -- '-drive [^ ]*')" \
	"-drive file=q.qcow2,format=qcow2,if=ide"
same "no -t: raw otherwise" \
	"$(boot --dry-run --accel=tcg raw.img | grep -o -- '-drive [^ ]*')" \
	"-drive file=raw.img,format=raw,if=ide"
same "--write: no -snapshot" \
	"$(boot --dry-run --accel=tcg --write raw.img)" \
	"qemu-system-x86_64 -m 2048 $net -drive file=raw.img,format=raw,if=ide $tail_fg"
same "--forward replaces the default, repeatable" \
	"$(boot --dry-run --accel=tcg --forward 2222:22 --forward=8080:80 raw.img | grep -o -- '-netdev [^ ]*')" \
	"-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:8080-:80"
same "--id 2: every default host port plus 2000, as hurd-vm's id" \
	"$(boot --dry-run --accel=tcg --id 2 raw.img)" \
	"qemu-system-x86_64 -m 2048 -device rtl8139,netdev=net0 -netdev user,id=net0,hostfwd=tcp:127.0.0.1:13004-:1004,hostfwd=tcp:127.0.0.1:12022-:22,hostfwd=tcp:127.0.0.1:17900-:5900 -snapshot -drive file=raw.img,format=raw,if=ide $tail_fg"
same "--id 49: the highest, VNC on 64900" \
	"$(boot --dry-run --accel=tcg --id 49 raw.img | grep -o -- '-netdev [^ ]*')" \
	"-netdev user,id=net0,hostfwd=tcp:127.0.0.1:60004-:1004,hostfwd=tcp:127.0.0.1:59022-:22,hostfwd=tcp:127.0.0.1:64900-:5900"
same "--id does not move the forwards --forward gives" \
	"$(boot --dry-run --accel=tcg --id 3 --forward 2222:22 raw.img | grep -o -- '-netdev [^ ]*')" \
	"-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22"
same "--no-forward" \
	"$(boot --dry-run --accel=tcg --no-forward raw.img | grep -o -- '-netdev [^ ]*')" \
	"-netdev user,id=net0"
same "--accel=kvm" \
	"$(boot --dry-run --accel=kvm raw.img | grep -o -- '-accel [^ ]*')" "-accel kvm"
acc=$(boot --dry-run raw.img | grep -o -- '-accel [^ ]*')
case $acc in
"-accel kvm" | "-accel tcg") ok "--accel=auto picks $acc here" ;;
*) bad "--accel=auto: '$acc'" ;;
esac
same "--expect: the console on a pipe, no monitor" \
	"$(boot --dry-run --accel=tcg --expect x --cpus 2 --qemu /opt/q/qemu raw.img)" \
	"/opt/q/qemu -m 2048 -smp 2 $net -snapshot -drive file=raw.img,format=raw,if=ide -no-reboot -accel tcg -display none -monitor none -serial stdio"
cp raw.img "it's a,b.img"
same "quoting for the shell, commas doubled for QEMU" \
	"$(boot --dry-run --accel=tcg --no-forward "it's a,b.img" | grep -o -- "-drive .*if=ide'")" \
	"-drive 'file=it'\\''s a,,b.img,format=raw,if=ide'"

# --- --print-offload-entry --------------------------------------------------
# The record of hurd-vm-guix-extension (gnu/services/virtualization.scm):
#   (build-machine (name "localhost") (port PORT) (systems '(SYSTEM))
#     (host-key <the guest's ssh_host_ed25519_key.pub>) (user "offloading")
#     (overload-threshold 1.8) (private-key KEY))
# with PORT 10022 + 1000 * id and SYSTEM the image's, on one line.
mkdir -p childhurd/etc/ssh
pub='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOjRkWXk1IWn2LVc9MDcXrJyTB4oQhfKq8wnKZ8TMJ9X root@childhurd'
printf '%s\n' "$pub" > childhurd/etc/ssh/ssh_host_ed25519_key.pub
same "--print-offload-entry: hurd-vm's build-machine, 32-bit" \
	"$(boot --print-offload-entry --secrets childhurd --offload-key /etc/guix/offload/ssh/childhurd --qemu /no/qemu raw.img; echo "status $?")" \
	"(build-machine (name \"localhost\") (port 10022) (systems '(\"i586-gnu\")) (host-key \"$pub\") (user \"offloading\") (overload-threshold 1.8) (private-key \"/etc/guix/offload/ssh/childhurd\"))
status 0"
same "--print-offload-entry: hurd64, --id 2, a relative key made absolute" \
	"$(boot --print-offload-entry --secrets childhurd/ --offload-key keys/childhurd2 --id 2 -t hurd64-qcow2 q.qcow2)" \
	"(build-machine (name \"localhost\") (port 12022) (systems '(\"x86_64-gnu\")) (host-key \"$pub\") (user \"offloading\") (overload-threshold 1.8) (private-key \"$PWD/keys/childhurd2\"))"
printf 'ssh-ed25519 AAAA "quoted\\" x\r\n\n' > childhurd/etc/ssh/ssh_host_ed25519_key.pub
same "--print-offload-entry: the key written as a Scheme string, trailing white space cut" \
	"$(boot --print-offload-entry --secrets childhurd --offload-key /k raw.img | grep -o '(host-key [^)]*)')" \
	'(host-key "ssh-ed25519 AAAA \"quoted\\\" x")'
printf '%s\n' "$pub" > childhurd/etc/ssh/ssh_host_ed25519_key.pub
mkdir nokeys

# --- bad usage: status and message -----------------------------------------
# fails STATUS MESSAGE ARGS...: boot ARGS exits with STATUS and says MESSAGE
# first on stderr (and, for an error in the options, where to look next:
# not for an image type that is unknown or does not fit the file).
try=yes
fails() {
	want_st=$1 want_msg=$2
	shift 2
	boot "$@" > out 2> err
	st=$?
	got=$(head -1 err)
	if [ "$st" = "$want_st" ] && [ "$got" = "$want_msg" ] && [ ! -s out ]; then
		ok "$* -> $st: $got"
	else
		bad "$*: status $st (want $want_st), stderr: $(cat err)"
		echo "    want: $want_msg"
	fi
	if [ "$want_st" = 2 ] && [ $try = yes ] && [ "$(sed -n 2p err)" != "Try 'mkhurdimg boot --help' for more information." ]; then
		bad "$*: no 'Try ... --help' line"
	fi
}
fails 2 "mkhurdimg: no IMAGE given" --dry-run
fails 2 "mkhurdimg: only one IMAGE may be given" --dry-run raw.img q.qcow2
fails 2 "mkhurdimg: bad regular expression '(': Unmatched ( or \\(" --expect '(' raw.img
fails 2 "mkhurdimg: bad regular expression 'a{2,1}': Invalid content of \\{\\}" --expect 'a{2,1}' raw.img
fails 2 "mkhurdimg: --forward '22': expected HOST:GUEST, two TCP port numbers from 1 to 65535" --forward 22 raw.img
fails 2 "mkhurdimg: --forward '10022:0': expected HOST:GUEST, two TCP port numbers from 1 to 65535" --forward 10022:0 raw.img
fails 2 "mkhurdimg: --forward 'ssh:22': expected HOST:GUEST, two TCP port numbers from 1 to 65535" --forward ssh:22 raw.img
fails 2 "mkhurdimg: --forward '65536:22': expected HOST:GUEST, two TCP port numbers from 1 to 65535" --forward 65536:22 raw.img
fails 2 "mkhurdimg: --accel 'xen': expected auto, kvm or tcg" --accel=xen raw.img
fails 2 "mkhurdimg: --timeout '0': expected whole seconds from 1 to 1000000" --timeout 0 raw.img
fails 2 "mkhurdimg: --memory '1.5G': expected MiB or a size such as 4G, from 1 MiB to 1 TiB in whole MiB" -m 1.5G raw.img
fails 2 "mkhurdimg: --cpus '0': expected a number from 1 to 255" --cpus 0 raw.img
fails 2 "mkhurdimg: unknown option '--bogus'" --bogus raw.img
fails 2 "mkhurdimg: option '--expect' needs an argument" raw.img --expect
fails 2 "mkhurdimg: --id '0': expected a number from 1 to 49" --id 0 raw.img
fails 2 "mkhurdimg: --id '50': expected a number from 1 to 49" --id 50 raw.img
fails 2 "mkhurdimg: --handshake-timeout '0': expected whole seconds from 1 to 1000000" --secrets childhurd --handshake-timeout 0 raw.img
fails 2 "mkhurdimg: --handshake-timeout is only for --secrets" --handshake-timeout 5 raw.img
fails 2 "mkhurdimg: --secrets: no forward to the guest's port 1004 (the secret service); keep the default forwards or add --forward HOST:1004" --secrets childhurd --no-forward raw.img
fails 2 "mkhurdimg: --secrets: no forward to the guest's port 1004 (the secret service); keep the default forwards or add --forward HOST:1004" --secrets childhurd --forward 2222:22 raw.img
fails 2 "mkhurdimg: --print-offload-entry needs --secrets DIR (the guest's host key is DIR/etc/ssh/ssh_host_ed25519_key.pub)" --print-offload-entry --offload-key k raw.img
fails 2 "mkhurdimg: --print-offload-entry needs --offload-key FILE, the host's private key for the guest's offloading account" --print-offload-entry --secrets childhurd raw.img
fails 2 "mkhurdimg: --offload-key is only for --print-offload-entry" --offload-key k raw.img
try=no
fails 2 "mkhurdimg: raw.img is a raw image, not qcow2 as hurd-qcow2 says" -t hurd-qcow2 raw.img
fails 2 "mkhurdimg: unknown image type 'hurd'; known types: hurd-qcow2, hurd-raw, hurd64-qcow2, hurd64-raw (see --list-image-types)" -t hurd raw.img
try=yes
fails 1 "mkhurdimg: cannot open missing.img: No such file or directory" --dry-run missing.img
fails 1 "mkhurdimg: cannot run ./no-such-qemu: No such file or directory" --accel=tcg --qemu ./no-such-qemu raw.img
fails 1 "mkhurdimg: QEMU exited with status 1 before a match for 'x'" --accel=tcg --qemu false --expect x raw.img
fails 1 "mkhurdimg: cannot read the guest's SSH host key nokeys/etc/ssh/ssh_host_ed25519_key.pub: No such file or directory; make the guest's keys with 'ssh-keygen -A -f nokeys'" \
	--print-offload-entry --secrets nokeys --offload-key k raw.img
fails 1 "mkhurdimg: cannot read the secrets directory nokeys/none: No such file or directory" --secrets nokeys/none raw.img
[ "$(boot --help | wc -l)" -le 24 ] && ok "--help fits one screen ($(boot --help | wc -l) lines)" ||
	bad "--help is $(boot --help | wc -l) lines"

# --- real boots -------------------------------------------------------------
need_gnumach
command -v "$QEMU" >/dev/null || skip "$QEMU not found (apt-get install qemu-system-x86)"
command -v timeout >/dev/null || skip "timeout (coreutils) not found"
"${CC:-gcc}" -m32 -static -nostdlib -fno-pic -no-pie -O2 -o probe \
	"$top_srcdir/examples/standin.c" >/dev/null 2>&1 ||
	skip "cannot build 32-bit stand-ins ('${CC:-gcc} -m32 -static -nostdlib' failed)"
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
cp "$top_srcdir/examples/demo.conf" .
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw -o demo.img demo.conf ||
	{ bad "mkhurdimg could not build the demo image"; exit 1; }
img=$PWD/demo.img

# No QEMU on this test's image is left.
# Plain console lines.
clean() { tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }
T=$((BOOT_TIMEOUT + 15))	# timeout(1), beyond mkhurdimg's own

# A match: exit 0 as soon as "start ext2fs:" appears; the console is echoed.
t0=$(date +%s)
timeout "$T" "$MKHURDIMG" boot --qemu "$QEMU" --accel=tcg --no-forward \
	--expect '^start ext2fs:' --timeout "$BOOT_TIMEOUT" "$img" > match.out 2> match.err
st=$?
secs=$(($(date +%s) - t0))
# What follows waits for console output without a match to stop at: it
# gets three times as long as this boot took on this machine, now, so
# that a loaded machine (make -j8 check) does not fail it.
wait_s=$((secs * 3 > 5 ? secs * 3 : 5))
Tw=$((wait_s + 60))	# timeout(1) for the runs stopped after $wait_s s
[ "$st" = 0 ] && ok "--expect '^start ext2fs:' matched after ${secs}s" ||
	bad "--expect: status $st after ${secs}s: $(cat match.err)"
clean match.out > match.txt
grep -aq '^GNU Mach [0-9]' match.txt && ok "console echoed: $(grep -a -m1 '^GNU Mach' match.txt)" ||
	bad "no GNU Mach banner echoed"
grep -aq '^task loaded: ext2fs .*part:1:device:hd0' match.txt && ok "console echoed: task loaded: ext2fs ..." ||
	bad "no 'task loaded: ext2fs' echoed"
# (the line may be cut right after the match: "start ext2fs:" or more)
case $(tail -1 match.txt) in
"start ext2fs:"*) ok "the console ends at the match" ;;
*) bad "last line: '$(tail -1 match.txt)'" ;;
esac
# QEMU is stopped once it matched; its "terminating on signal 15" is
# not news, and nothing else went wrong: stderr stays empty.
[ ! -s match.err ] && ok "--expect: nothing on stderr after the match" ||
	bad "--expect: stderr after the match: $(head -c 300 match.err)"
none_left "after the match"

# -q: the same match, nothing echoed.
timeout "$T" "$MKHURDIMG" boot -q --qemu "$QEMU" --accel=tcg --no-forward \
	--expect 'task loaded: exec' --timeout "$BOOT_TIMEOUT" "$img" > quiet.out 2>/dev/null
st=$?
[ "$st" = 0 ] && [ ! -s quiet.out ] && ok "-q: status 0, nothing on stdout" ||
	bad "-q: status $st, $(wc -c < quiet.out) bytes on stdout"

# A timeout: exit 1 after about $wait_s s, with the message.
t0=$(date +%s)
timeout "$Tw" "$MKHURDIMG" boot --qemu "$QEMU" --accel=tcg --no-forward \
	--expect 'never on this console' --timeout "$wait_s" "$img" > to.out 2> to.err
st=$?
secs=$(($(date +%s) - t0))
[ "$st" = 1 ] && ok "timeout: status 1 after ${secs}s" || bad "timeout: status $st after ${secs}s"
[ "$secs" -le $((wait_s + 20)) ] || bad "timeout: took ${secs}s for --timeout $wait_s"
same "timeout: the message" "$(tail -1 to.err)" \
	"mkhurdimg: no match for 'never on this console' within $wait_s s"
grep -aq 'terminating on signal' to.err && bad "timeout: QEMU's own signal line relayed: $(cat to.err)"
grep -aq 'GNU Mach' to.out && ok "timeout: the console was echoed until then" ||
	bad "timeout: no console echoed"
none_left "after the timeout"

# --timeout without --expect: QEMU in the foreground, stopped after $wait_s s.
timeout "$Tw" "$MKHURDIMG" boot --qemu "$QEMU" --accel=tcg --no-forward \
	--timeout "$wait_s" "$img" < /dev/null > fg.out 2> fg.err
st=$?
[ "$st" = 1 ] && ok "--timeout alone: status 1" || bad "--timeout alone: status $st"
same "--timeout alone: the message" "$(tail -1 fg.err)" \
	"mkhurdimg: QEMU was still running after $wait_s s: stopped it"
grep -aq 'GNU Mach' fg.out && ok "--timeout alone: the console on stdout" ||
	bad "--timeout alone: no console on stdout"
none_left "after --timeout alone"

# SIGTERM: QEMU goes with mkhurdimg.
"$MKHURDIMG" boot --qemu "$QEMU" --accel=tcg --no-forward --expect never \
	--timeout "$BOOT_TIMEOUT" "$img" > term.out 2> term.err &
pid=$!
for _ in $(seq 100); do pgrep -f -- "file=$img," >/dev/null && break; sleep 0.1; done
sleep 1
kill -TERM "$pid"
wait "$pid"
st=$?
[ "$st" = 143 ] && ok "SIGTERM: mkhurdimg died of it (status $st)" || bad "SIGTERM: status $st"
none_left "after SIGTERM"

# The default accelerator: KVM if it works, TCG if QEMU fails (or stays
# silent) with it; the boot succeeds either way.
t0=$(date +%s)
timeout "$T" "$MKHURDIMG" boot -v --qemu "$QEMU" --no-forward \
	--expect '^start ext2fs:' --timeout "$BOOT_TIMEOUT" "$img" > auto.out 2> auto.err
st=$?
secs=$(($(date +%s) - t0))
how=$(grep -a -m1 -e 'KVM works' -e 'software emulation' auto.err)
[ "$st" = 0 ] && ok "--accel=auto: matched after ${secs}s (${how#mkhurdimg: })" ||
	{ bad "--accel=auto: status $st after ${secs}s"; cat auto.err; }
grep -a 'trying again with TCG' auto.err | sed 's/^/    /'
none_left "after --accel=auto"

[ "$fails" = 0 ]
