# shellcheck shell=bash
# lib.sh -- the start every integration test shares; source it first:
#   . "$(dirname "$0")/lib.sh"
# The Makefile exports top_srcdir, top_builddir and MKHURDIMG.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$here/../..}
MKHURDIMG=${MKHURDIMG:-$top_builddir/src/mkhurdimg}
fails=0
ok() { echo "  ok:   $*"; }
bad() { echo "  FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
need_gnumach() {
	[ -r /boot/gnumach-1.8-486.gz ] || skip "no GNU Mach (apt-get install gnumach-image-1.8-486)"
}
# A scratch directory, removed at exit; the test runs in it.
workdir() {
	work=$(mktemp -d "$@")
	# shellcheck disable=SC2064  # expand now: $work is set
	trap "rm -rf '$work'" EXIT
	cd "$work" || exit 1
}
# none_left WHAT: no QEMU of the image $img is still running (one that
# is gets killed, and the test fails).
none_left() {
	sleep 0.2
	left=$(pgrep -f -- "file=$img," || true)
	[ -z "$left" ] && ok "$1: no QEMU left" || {
		bad "$1: QEMU still running: $left"
		# shellcheck disable=SC2086  # one or more pids
		kill $left 2>/dev/null
	}
}
