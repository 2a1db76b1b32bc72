#!/bin/bash
# format.sh -- the C sources are as the repository's .clang-format says.
#
# Every .c and .h under src/, include/ and tests/ is run through
# clang-format --dry-run --Werror with the .clang-format at the top of
# the tree; any line it would change fails the test, named with the
# first few differences.  `make format` rewrites them in place.
#
# Formatting differs between clang-format releases: the tree is kept by
# the one Debian 12 ships (clang-format 14, which ./quickstart installs).
# With another major version this is skipped, not failed, so that it
# judges the sources and not the tool.
. "$(dirname "$0")/lib.sh"
want=14
command -v clang-format >/dev/null || skip "no clang-format (apt-get install clang-format)"
version=$(clang-format --version | sed -n 's/.*clang-format version \([0-9]*\)\..*/\1/p')
[ "$version" = "$want" ] ||
	skip "clang-format $version here; the tree is kept by clang-format $want"
cd "$top_srcdir" || exit 1
[ -r .clang-format ] || { bad "no .clang-format at the top of the tree"; exit 1; }
mapfile -t files < <(find src include tests -name '*.[ch]' -type f | LC_ALL=C sort)
[ "${#files[@]}" -gt 100 ] || bad "only ${#files[@]} C files found under src, include and tests"
unformatted=0
for f in "${files[@]}"; do
	if ! clang-format --style=file --dry-run --Werror "$f" 2>/dev/null; then
		unformatted=$((unformatted + 1))
		[ "$unformatted" -le 5 ] &&
			echo "  $f: $(clang-format --style=file "$f" | diff "$f" - | grep -c '^[<>]') lines differ"
	fi
done
[ "$unformatted" = 0 ] && ok "${#files[@]} C files as .clang-format says (clang-format $version)" ||
	bad "$unformatted of ${#files[@]} C files are not formatted: run make format"
[ "$fails" = 0 ]
