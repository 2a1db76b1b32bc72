#!/bin/bash
# Bad input catalogue: every *.case file here is one broken or hostile input.
#
#   args: ARGUMENTS         the mkhurdimg command line (word-split; run in a
#                           scratch directory holding every *.conf and
#                           *.graph of this directory, a small valid tree
#                           "root/" and a store "store/" with one item)
#   status: N               the exact exit status
#   stderr: TEXT            the exact standard error (one line), or
#   stderr~: ERE            an extended regular expression it must match
#                           whole, for figures that depend on the host
#   env: NAME=VALUE         an environment variable for the run (optional)
#
# After each case the scratch directory must hold exactly what it held
# before (no image, no temporary file), and the pre-existing out.img must
# be byte-for-byte unchanged.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mkhurdimg=${MKHURDIMG:?set MKHURDIMG to the mkhurdimg binary}
types=${top_srcdir:-$here/../..}/image-types
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

make_root() {
	mkdir -p "$1/boot" "$1/hurd" "$1/lib"
	printf 'not really GNU Mach\n' > "$1/boot/gnumach.gz"
	for s in ext2fs.static exec.static exec; do
		printf '%s stand-in\n' "$s" > "$1/hurd/$s"
	done
	printf 'ld.so stand-in\n' > "$1/lib/ld.so.1"
}

pass=0 fail=0
for case in "$here"/*.case; do
	name=$(basename "$case" .case)
	args=$(sed -n 's/^args: //p' "$case")
	want_status=$(sed -n 's/^status: //p' "$case")
	want_exact=$(sed -n 's/^stderr: //p' "$case")
	want_re=$(sed -n 's/^stderr~: //p' "$case")
	env=$(sed -n 's/^env: //p' "$case")
	work="$scratch/$name"
	mkdir -p "$work"
	cp "$here"/*.conf "$here"/*.graph "$work"/
	make_root "$work/root"
	mkdir -p "$work/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item"
	printf 'item\n' > "$work/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item/file"
	printf 'previous image\n' > "$work/out.img"
	before=$(cd "$work" && find . | LC_ALL=C sort)
	# shellcheck disable=SC2086  # args are word-split on purpose
	err=$(cd "$work" && env $env "$mkhurdimg" -q --types-dir "$types" $args 2>&1 >/dev/null)
	status=$?
	after=$(cd "$work" && find . | LC_ALL=C sort)
	problems=""
	[ "$status" = "$want_status" ] ||
		problems+=" status $status, want $want_status;"
	if [ -n "$want_re" ]; then
		printf '%s\n' "$err" | grep -Eqx -- "$want_re" ||
			problems+=" stderr [$err] does not match [$want_re];"
	elif [ "$err" != "$want_exact" ]; then
		problems+=" stderr [$err], want [$want_exact];"
	fi
	[ "$before" = "$after" ] ||
		problems+=" files changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ');"
	printf 'previous image\n' | cmp -s - "$work/out.img" ||
		problems+=" the previous out.img was changed;"
	if [ -z "$problems" ]; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name:$problems"
		fail=$((fail + 1))
	fi
done
echo "bad-input: $pass passed, $fail failed"
[ "$fail" = 0 ]
