#!/bin/sh
# run.sh -- build the harnesses and run each for SECONDS (make fuzz).
#   run.sh SRCDIR BUILDDIR SECONDS [HARNESS...]
# The seeds stay as they are; each run grows a working corpus in
# BUILDDIR/fuzz/work/NAME and leaves any crash in BUILDDIR/fuzz/crashes/.
# Exits non-zero if a harness found a crash, a leak or a timeout.
set -eu
srcdir=$1 builddir=$2 seconds=$3
shift 3
out=$builddir/fuzz
names=${*:-config graph narinfo nar archive params}
"$srcdir/tests/fuzz/build.sh" "$srcdir" "$builddir" "$out" $names
status=0
for name in $names; do
	work=$out/work/$name
	mkdir -p "$work" "$out/crashes"
	echo "fuzz-$name: $seconds s"
	if ! "$out/fuzz-$name" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$name-" \
		"$work" "$srcdir/tests/fuzz/corpus/$name" \
		> "$out/$name.log" 2>&1; then
		echo "fuzz-$name: FAILED, see $out/$name.log"
		status=1
	fi
	grep -E '^stat::number_of_executed_units|^Done' "$out/$name.log" | tr '\n' ' '
	echo
done
exit $status
