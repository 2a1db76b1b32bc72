#!/bin/bash
# unprivileged.sh -- mkhurdimg needs no privileges: run as an ordinary
# user (setpriv to nobody when the suite runs as root), it builds images
# byte-for-byte identical to root's, with the owners and modes the
# sources give (root-owned, setuid, other users' files), from a
# directory, an archive and a file source, as raw and as qcow2.  (A
# directory source is root:root; other owners come from permissions.)
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
workdir
chmod 755 "$work"

mkdir -p root/boot root/hurd root/lib root/home/alice root/bin
printf 'not really GNU Mach\n' > root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "root/hurd/$s"; done
echo 'ld.so stand-in' > root/lib/ld.so.1
echo 'a setuid program' > root/bin/su
chmod 4755 root/bin/su
echo 'her notes' > root/home/alice/notes
head -c 200000 /dev/urandom > root/home/alice/blob
ln -s notes root/home/alice/link
mkdir -p extra/opt/tool
echo 'from an archive' > extra/opt/tool/README
tar --owner=0 --group=0 --mtime=@1600000000 -C extra -czf extra.tar.gz opt
cat > os.conf <<'CONF'
host-name = "plain"
directory "root" { target = "/" }
archive "extra.tar.gz" { target = "/" }
file "/etc/motd" { contents = "built by nobody\n" mode = 0644 }
permissions "/home/alice/*" { owner = 1000 group = 1000 }
CONF
chmod -R a+rX .

if [ "$(id -u)" != 0 ]; then
	for type in hurd-raw hurd-qcow2; do
		"$MKHURDIMG" -q -t $type -o user.$type os.conf && ok "$type built as uid $(id -u)" ||
			bad "$type: the build as uid $(id -u) failed"
	done
	[ $fails = 0 ]
	exit
fi

command -v setpriv >/dev/null || skip "setpriv not found (util-linux)"
nobody=$(id -u nobody) || skip "no user nobody"
as_nobody() {
	setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$@"
}
as_nobody sh -c 'test "$(id -u)" != 0 && ! touch /root/.mkhurdimg-probe 2>/dev/null' ||
	bad "setpriv did not drop root"
chmod 1777 "$work"
# A checkout nobody cannot enter (a clone in a mktemp -d directory, 0700):
# nobody runs a copy of the program, with a copy of the image types.
nobody_mk=("$MKHURDIMG")
if ! as_nobody test -x "$MKHURDIMG" -a -r "$top_srcdir/image-types/hurd-raw.conf"; then
	mkdir -m 755 nobody-bin && cp "$MKHURDIMG" nobody-bin/ &&
		cp -r "$top_srcdir/image-types" nobody-bin/types && chmod -R a+rX nobody-bin ||
		bad "copying the program for nobody"
	nobody_mk=("$PWD/nobody-bin/mkhurdimg" --types-dir "$PWD/nobody-bin/types")
	echo "  note: nobody cannot reach $MKHURDIMG; it runs a copy"
fi
for type in hurd-raw hurd-qcow2; do
	"$MKHURDIMG" -q -t $type -o root.$type os.conf || bad "$type: the build as root failed"
	if as_nobody "${nobody_mk[@]}" -q -t $type -o nobody.$type os.conf; then
		ok "$type built as nobody (uid $nobody)"
	else
		bad "$type: the build as nobody failed"
		continue
	fi
	[ "$(stat -c %u nobody.$type)" = "$nobody" ] || bad "$type: the image is not nobody's"
	if cmp root.$type nobody.$type; then
		ok "$type: the image built as nobody is byte-for-byte root's ($(stat -c %s root.$type) bytes)"
	else
		bad "$type: the images built as root and as nobody differ"
	fi
done
# The owners and modes came from the config and sources, not from who ran it.
if command -v debugfs >/dev/null; then
	dd if=nobody.hurd-raw of=part.img bs=512 skip=2048 status=none
	st=$(debugfs -R 'stat /home/alice/notes' part.img 2>/dev/null | grep -E '^(User|Mode)|Group:' | tr -s ' \n' ' ')
	case $st in
	*"User:  1000"* | *"User: 1000"*) ok "/home/alice/notes is 1000:1000 in nobody's image" ;;
	*) bad "/home/alice/notes: [$st]" ;;
	esac
	mode=$(debugfs -R 'stat /bin/su' part.img 2>/dev/null | sed -n 's/.*Mode: *\([0-7]*\).*/\1/p')
	[ "$mode" = 04755 ] && ok "/bin/su keeps its setuid bit (mode $mode)" || bad "/bin/su mode [$mode]"
fi
[ $fails = 0 ]
