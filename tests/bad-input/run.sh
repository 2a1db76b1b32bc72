#!/bin/bash
# Bad input catalogue: every *.case file here is one broken or hostile input.
#
#   args: ARGUMENTS         the mkhurdimg command line (word-split; run in a
#                           scratch directory holding every *.conf and
#                           *.graph of this directory, a small valid tree
#                           "root/", a store "store/" with one item, and
#                           "fixtures/": the hostile binary inputs that
#                           make-fixtures.sh makes, described there)
#   status: N               the exact exit status
#   stderr: TEXT            the exact standard error (one line), or
#   stderr~: ERE            an extended regular expression every line of it
#                           must match whole: for figures that depend on the
#                           host, two-line messages, and names too long to
#                           spell out
#   env: NAME=VALUE         an environment variable for the run (optional)
#
# Other lines are comments: "# WHAT THE CASE BREAKS".  The configuration
# of case NAME, when it needs one of its own, is NAME.conf; many of these
# point at fixtures/.
#
# After each case the scratch directory must hold exactly what it held
# before (no image, no temporary file; every name keeps its type and every
# file its size), and the pre-existing out.img must be byte-for-byte
# unchanged.
#
# Before the cases, fixtures-valid.conf (every fixture's unbroken twin: a
# tar, cpio and zip archive, plain and compressed, and a substitute
# cache) must build: each case then has the one defect it names.
#
# For the mutation runner (tests/mutation/), which runs one case at a
# time: BAD_INPUT_CASES="NAME..." runs only those cases ("-": none, the
# unbroken fixtures only), BAD_INPUT_CONTROL=no leaves out the build of
# the unbroken fixtures, and BAD_INPUT_FIXTURES=DIR takes the fixtures
# from DIR (made once by make-fixtures.sh DIR) instead of making them.
set -u
shopt -s nullglob
here=$(cd "$(dirname "$0")" && pwd)
mkhurdimg=${MKHURDIMG:?set MKHURDIMG to the mkhurdimg binary}
types=${top_srcdir:-$here/../..}/image-types
cases=("$here"/*.case)
inputs=("$here"/*.conf "$here"/*.graph)
if [ -n "${BAD_INPUT_CASES-}" ]; then
	cases=()
	for name in $BAD_INPUT_CASES; do
		[ "$name" = - ] || cases+=("$here/$name.case")
	done
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ -n "${BAD_INPUT_FIXTURES-}" ]; then
	cp -a "$BAD_INPUT_FIXTURES" "$scratch/fixtures" ||
		{ echo "FAIL: cannot copy $BAD_INPUT_FIXTURES"; exit 99; }
else
	[ -f "$here/make-fixtures.sh" ] ||
		{ echo "FAIL: $here/make-fixtures.sh is missing (is it distributed?)"; exit 99; }
	bash "$here/make-fixtures.sh" "$scratch/fixtures" >"$scratch/fixtures.log" 2>&1
	rc=$?
	if [ "$rc" = 77 ]; then
		echo "SKIP: $(cat "$scratch/fixtures.log")"
		exit 77
	elif [ "$rc" != 0 ]; then
		echo "FAIL: make-fixtures.sh: $(cat "$scratch/fixtures.log")"
		exit 99
	fi
fi

make_root() {
	mkdir -p "$1/boot" "$1/hurd" "$1/lib"
	printf 'not really GNU Mach\n' > "$1/boot/gnumach.gz"
	for s in ext2fs.static exec.static exec; do
		printf '%s stand-in\n' "$s" > "$1/hurd/$s"
	done
	printf 'ld.so stand-in\n' > "$1/lib/ld.so.1"
}

# The scratch directory every run starts from, made once; each run gets
# a hard-linked copy of it (fast), with an out.img of its own.
template=$scratch/template
mkdir -p "$template"
cp "${inputs[@]}" "$template"/
mv "$scratch/fixtures" "$template/fixtures"
make_root "$template/root"
mkdir -p "$template/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item"
printf 'item\n' > "$template/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item/file"
make_work() {
	cp -al "$template" "$1"
	printf 'previous image\n' > "$1/out.img"
}

# Every name with its type, and every non-directory with its size.
listing() {
	(cd "$1" && find . \( -type d -printf 'd %p\n' \) -o -printf '%y %s %p\n' |
		LC_ALL=C sort)
}

if [ "${BAD_INPUT_CONTROL-}" != no ]; then
	make_work "$scratch/control"
	if ! err=$(cd "$scratch/control" &&
		   "$mkhurdimg" -q --types-dir "$types" -o "$scratch/control.img" \
			   fixtures-valid.conf 2>&1); then
		echo "FAIL: the unbroken fixtures do not build: $err"
		exit 99
	fi
	rm -rf "$scratch/control" "$scratch/control.img"
fi

pass=0 fail=0
for case in "${cases[@]}"; do
	name=${case##*/} name=${name%.case}
	args="" want_status="" want_exact="" want_re="" env=""
	while IFS= read -r line; do
		case $line in
			"args: "*) args=${line#args: } ;;
			"status: "*) want_status=${line#status: } ;;
			"stderr: "*) want_exact=${line#stderr: } ;;
			"stderr~: "*) want_re=${line#stderr~: } ;;
			"env: "*) env=${line#env: } ;;
		esac
	done < "$case"
	work="$scratch/$name"
	make_work "$work"
	before=$(listing "$work")
	# shellcheck disable=SC2086  # args are word-split on purpose
	err=$(cd "$work" && env $env "$mkhurdimg" -q --types-dir "$types" $args 2>&1 >/dev/null)
	status=$?
	after=$(listing "$work")
	problems=""
	[ "$status" = "$want_status" ] ||
		problems+=" status $status, want $want_status;"
	if [ -n "$want_re" ]; then
		[ -n "$err" ] && ! printf '%s\n' "$err" | grep -Evqx -- "$want_re" ||
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
		rm -rf "$work"
	else
		echo "FAIL $name:$problems"
		fail=$((fail + 1))
	fi
done
echo "bad-input: $pass passed, $fail failed"
[ "$fail" = 0 ]
