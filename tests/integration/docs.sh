#!/bin/bash
# docs.sh -- the documentation and packaging pieces: both man pages render
# without a warning (groff -ww, mandoc -T lint when installed); every long
# option "mkhurdimg --help" prints is documented under OPTIONS in
# mkhurdimg.1 and every option documented there exists (likewise INSPECT,
# BOOT and SEND-SECRETS against "mkhurdimg inspect --help", "boot --help"
# and "send-secrets --help" once those subcommands are built), and README's
# Command line section lists every long option of --help; every key of
# src/config/config.c's option tables is
# documented in mkhurdimg.conf.5 under its own section, and every key of
# src/config/image-type.c under IMAGE TYPE FILES (read from the sources, so a new
# key without documentation fails here); --help fits 24 lines; the bash
# completion loads and completes options, image types and subcommands;
# make install DESTDIR=... puts the program, image types, man pages,
# completion and examples in place, and make uninstall removes them all.
. "$(dirname "$0")/lib.sh"
man1=$top_srcdir/doc/mkhurdimg.1
man5=$top_srcdir/doc/mkhurdimg.conf.5
completion=$top_srcdir/completions/mkhurdimg
command -v groff >/dev/null || skip "groff not found"
workdir

# ---- the man pages render cleanly ----
for page in "$man1" "$man5"; do
	name=${page##*/}
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$out" ] && ok "$name: groff -man -ww: no warnings" || bad "$name: groff warns: $out"
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		[ -z "$out" ] && ok "$name: mandoc -T lint: clean" || bad "$name: mandoc -T lint: $out"
	fi
	lines=$(groff -man -Tutf8 "$page" 2>/dev/null | wc -l)
	[ "$lines" -gt 100 ] || bad "$name renders to only $lines lines"
done
command -v mandoc >/dev/null || echo "  note: mandoc not installed; mandoc -T lint not run"

# The tags of a man page: "SH<tab>SS<tab>TAG" for the line after each .TP
# (and each line of a .PD 0 stack), escapes, fonts and quotes taken out.
tags() {
	awk '
	function norm(s) {
		gsub(/\\-/, "-", s); gsub(/\\f[BIRP]/, "", s); gsub(/\\\(dq/, "", s)
		gsub(/\\&|\\\|/, "", s); gsub(/"/, "", s)
		sub(/^\.[A-Za-z]+[ \t]*/, "", s); return s
	}
	/^\.SH/ { sh = norm($0); ss = ""; next }
	/^\.SS/ { ss = norm($0); sub(/[ \t].*/, "", ss); next }
	/^\.TP/ { want = 1; next }
	/^\.PD/ { next }
	want { want = 0; printf "%s\t%s\t%s\n", sh, ss, norm($0) }
	' "$1"
}
tags "$man1" > man1.tags
tags "$man5" > man5.tags
# The first word of each .SS heading of mkhurdimg.conf.5.
sed -n 's/^\.SS "\{0,1\}\([^ "]*\).*/\1/p' "$man5" | sed 's/\\-/-/g' > man5.subsections

# Long options of a --help text, one per line.
longopts() { grep -o -- '--[a-z][a-z-]*' | sort -u; }
# Long options tagged under section SH of mkhurdimg.1.
documented() { awk -F '\t' -v sh="$1" '$1 == sh { print $3 }' man1.tags | longopts; }

check_options() {	# WHAT HELP-FILE SECTION
	local o missing=0 extra=0
	# --help is always accepted, whether its own --help says so or not.
	{ longopts < "$2"; echo --help; } | sort -u > "$1.opts"
	documented "$3" > "$1.doc"
	[ -s "$1.opts" ] || { bad "$1: no options in its --help"; return; }
	while read -r o; do
		grep -qx -- "$o" "$1.doc" || { bad "$1: $o (in --help) is not documented under $3 in mkhurdimg.1"; missing=1; }
	done < "$1.opts"
	while read -r o; do
		grep -qx -- "$o" "$1.opts" || { bad "$1: $o is documented under $3 but not in --help"; extra=1; }
	done < "$1.doc"
	[ $missing = 0 ] && [ $extra = 0 ] &&
		ok "$1: the $(wc -l < "$1.opts") long options of --help are exactly those under $3 in mkhurdimg.1"
}

"$MKHURDIMG" --help > build.help || bad "mkhurdimg --help failed"
n=$(wc -l < build.help)
[ "$n" -le 24 ] && ok "mkhurdimg --help fits one screen ($n lines)" || bad "mkhurdimg --help is $n lines, more than 24"
check_options build build.help OPTIONS
# README's "Command line" section lists every long option of --help too.
sed -n '/^Command line$/,/^Exit status/p' "$top_srcdir/README" | longopts > readme.opts
missing=$(comm -23 <(longopts < build.help) readme.opts | tr '\n' ' ')
[ -s readme.opts ] && [ -z "$missing" ] &&
	ok "README's Command line lists the $(longopts < build.help | wc -l) long options of --help" ||
	bad "README's Command line lacks: ${missing:-its section}"
for sub in inspect boot send-secrets; do
	SUB=$(echo $sub | tr '[:lower:]' '[:upper:]')
	# Built when its --help starts "Usage: mkhurdimg SUB" (before, the
	# build takes SUB for its CONFIG and prints its own help).
	if "$MKHURDIMG" $sub --help > $sub.help 2>/dev/null &&
		head -n 1 $sub.help | grep -q "^Usage: mkhurdimg $sub"; then
		check_options $sub $sub.help "$SUB"
	else
		echo "  note: 'mkhurdimg $sub' is not built here; $SUB in mkhurdimg.1 not checked against it"
	fi
	grep -q "^\.SH $SUB\$" "$man1" || bad "mkhurdimg.1 has no $SUB section"
done

# ---- every configuration key is documented, in its section ----
# "KEY<tab>SECTION<tab>NAME" per option of src/config/config.c (SECTION "." for
# the top level), and "SEC<tab>NAME" per section.
# Kinds own their options: a source kind's table is the section its file
# names (.name = "archive"), a partition type's (and partitions.c's own)
# the partition section's, a bootloader's the bootloader section's.
awk '
FNR == 1 { file_sec = "" }
FILENAME ~ /src\/sources\/source-[a-z]+\.c$/ && /\.name = "/ {
	match($0, /\.name = "[^"]*"/); file_sec = substr($0, RSTART + 9, RLENGTH - 10)
	for (t in pending) if (pending[t] == FILENAME) { sec[t] = file_sec; delete pending[t] }
	print "SEC\t" file_sec
}
/cfg_opt_t [a-z_]+\[\]/ { match($0, /cfg_opt_t [a-z_]+/); tbl = FILENAME ":" substr($0, RSTART + 10, RLENGTH - 10)
	if (FILENAME ~ /partitions\.c$|part-[a-z0-9]+\.c$/) sec[tbl] = "partition"
	else if (FILENAME ~ /src\/boot\// || tbl ~ /config\.c:bootloader_opts$/) sec[tbl] = "bootloader"
	else if (FILENAME ~ /src\/sources\//) pending[tbl] = FILENAME
	else if (FILENAME !~ /config\.c$/) sec[tbl] = "?" }
/CFG_SEC\("/ {
	match($0, /CFG_SEC\("[^"]*", *[a-z_]+/); s = substr($0, RSTART + 9, RLENGTH - 9)
	split(s, p, /", */); sec[FILENAME ":" p[2]] = p[1]; print "SEC\t" p[1]; next
}
/CFG_[A-Z_]+\("/ { match($0, /CFG_[A-Z_]+\("[^"]*"/); k = substr($0, RSTART, RLENGTH)
	sub(/^[^"]*"/, "", k); sub(/"$/, "", k); n++; key[n] = k; in_tbl[n] = tbl }
END { print "SEC\tpartition"
	for (i = 1; i <= n; i++) printf "KEY\t%s\t%s\n", (in_tbl[i] ~ /:top_opts$/ ? "." : sec[in_tbl[i]]), key[i] }
' "$top_srcdir/src/config/config.c" "$top_srcdir/src/config/partitions.c" \
	"$top_srcdir"/src/layout/part-*.c "$top_srcdir"/src/sources/source-*.c \
	"$top_srcdir/src/boot/grub.c" | awk '!seen[$0]++' > config.keys
grep -q '	?	' config.keys && bad "an option table docs.sh cannot place in a section: $(grep '	?	' config.keys)"
nkeys=$(grep -c '^KEY' config.keys)
nsecs=$(grep -c '^SEC' config.keys)
[ "$nkeys" -ge 40 ] && [ "$nsecs" -ge 10 ] || bad "read only $nkeys keys and $nsecs sections from src/config/config.c"
missing=0
while IFS=$'\t' read -r kind a b; do
	if [ "$kind" = SEC ]; then
		grep -qx -- "$a" man5.subsections ||
			{ bad "mkhurdimg.conf.5 has no subsection for the section '$a'"; missing=1; }
	elif [ "$a" = . ]; then	# a top-level key: under TOP-LEVEL KEYS
		awk -F '\t' -v k="$b" '$1 == "TOP-LEVEL KEYS" && $2 == "" { split($3, w, /[ =]/); if (w[1] == k) f = 1 } END { exit !f }' man5.tags ||
			{ bad "the top-level key '$b' is not documented under TOP-LEVEL KEYS in mkhurdimg.conf.5"; missing=1; }
	else
		awk -F '\t' -v s="$a" -v k="$b" '$2 == s { split($3, w, /[ =]/); if (w[1] == k) f = 1 } END { exit !f }' man5.tags ||
			{ bad "the key '$b' of section '$a' is not documented in mkhurdimg.conf.5"; missing=1; }
	fi
done < config.keys
[ $missing = 0 ] && ok "mkhurdimg.conf.5 documents all $nkeys keys of src/config/config.c, each in its section ($nsecs sections)"

# A type file's keys: image-type.c's own, and each disk format's.
for f in "$top_srcdir/src/config/image-type.c" "$top_srcdir"/src/disk/disk-*.c; do
	sed -n '/[a-z_]*_opts\[\] = {/,/CFG_END/p' "$f"
done | grep -o 'CFG_[A-Z_]*("[^"]*"' | sed 's/.*("//; s/"$//' | awk '!seen[$0]++' > type.keys
[ "$(wc -l < type.keys)" -ge 10 ] || bad "read only $(wc -l < type.keys) keys from src/config/image-type.c"
missing=0
while read -r k; do
	awk -F '\t' -v k="$k" '$1 == "IMAGE TYPE FILES" { split($3, w, /[ =]/); if (w[1] == k) f = 1 } END { exit !f }' man5.tags ||
		{ bad "the image type key '$k' is not documented under IMAGE TYPE FILES"; missing=1; }
done < type.keys
[ $missing = 0 ] && ok "mkhurdimg.conf.5 documents all $(wc -l < type.keys) image type keys of src/config/image-type.c"
# Each installed type file uses only documented keys (and all four load).
for f in "$top_srcdir"/image-types/*.conf; do
	sed -n 's/^\([a-z-]*\) *=.*/\1/p' "$f" | while read -r k; do
		grep -qx "$k" type.keys || echo "$f: $k"
	done
done > stray.keys
[ ! -s stray.keys ] && ok "the installed image types use only documented keys" || bad "undocumented keys: $(cat stray.keys)"

# ---- the bash completion ----
complete_line() {	# WORD... -> the candidates, one per line
	bash --norc --noprofile -c '
		. "$1" || exit 3
		shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_mkhurdimg || exit 4
		printf "%s\n" "${COMPREPLY[@]}"' complete "$completion" "$@"
}
out=$(bash --norc --noprofile -c '. "$1" && complete -p mkhurdimg' x "$completion" 2>&1)
[ "$out" = "complete -F _mkhurdimg mkhurdimg" ] && ok "the completion loads: $out" || bad "the completion does not load: $out"
out=$(complete_line "$MKHURDIMG" --ima)
[ "$out" = "--image-type" ] && ok "'mkhurdimg --ima' completes to --image-type" || bad "'mkhurdimg --ima' gives [$out]"
out=$(complete_line "$MKHURDIMG" -t hurd6 | sort | tr '\n' ' ')
[ "$out" = "hurd64-qcow2 hurd64-raw " ] && ok "'mkhurdimg -t hurd6' completes to the two hurd64 types" || bad "'mkhurdimg -t hurd6' gives [$out]"
out=$(complete_line "$MKHURDIMG" --image-type = hurd6 | sort | tr '\n' ' ')
[ "$out" = "hurd64-qcow2 hurd64-raw " ] && ok "'--image-type=hurd6' too" || bad "'--image-type=hurd6' gives [$out]"
mkdir types && printf 'description = "x"\nsystem = "i586-gnu"\nformat = "raw"\noutput = "x.img"\n' > types/zz-mine.conf
out=$(complete_line "$MKHURDIMG" --types-dir types -t zz)
[ "$out" = zz-mine ] && ok "-t completes the types of a --types-dir on the line" || bad "-t with --types-dir gives [$out]"
complete_line "$MKHURDIMG" -- | sort > comp.build
diff build.opts comp.build > comp.diff &&
	ok "'mkhurdimg --' offers exactly the long options of --help" || bad "completion vs --help: $(tr '\n' ' ' < comp.diff)"
touch os.conf other.txt hurd.img hurd.qcow2 && mkdir sub
out=$(complete_line "$MKHURDIMG" "" | sort | tr '\n' ' ')
[ "$out" = "boot inspect os.conf send-secrets sub types " ] && ok "the first word: inspect, boot, send-secrets, *.conf and directories" || bad "first word gives [$out]"
out=$(complete_line "$MKHURDIMG" --types-dir "" | tr '\n' ' ')
[ "$out" = "sub types " ] || [ "$out" = "types sub " ] && ok "--types-dir completes directories" || bad "--types-dir gives [$out]"
out=$(complete_line "$MKHURDIMG" --depfile o | tr '\n' ' ')
[ "$out" = "os.conf other.txt " ] || [ "$out" = "other.txt os.conf " ] && ok "--depfile completes files" || bad "--depfile gives [$out]"
for sub in inspect boot; do
	out=$(complete_line "$MKHURDIMG" $sub "" | sort | tr '\n' ' ')
	[ "$out" = "hurd.img hurd.qcow2 sub types " ] && ok "$sub completes image files" || bad "$sub IMAGE gives [$out]"
	if head -n 1 $sub.help | grep -q "^Usage: mkhurdimg $sub"; then
		complete_line "$MKHURDIMG" $sub -- | sort > comp.$sub
		diff $sub.opts comp.$sub > comp.diff &&
			ok "'mkhurdimg $sub --' offers exactly the long options of its --help" ||
			bad "$sub completion vs --help: $(tr '\n' ' ' < comp.diff)"
	fi
done
out=$(complete_line "$MKHURDIMG" boot --accel "" | tr '\n' ' ')
[ "$out" = "auto kvm tcg " ] && ok "boot --accel completes auto kvm tcg" || bad "boot --accel gives [$out]"
out=$(complete_line "$MKHURDIMG" boot --secrets "" | sort | tr '\n' ' ')
[ "$out" = "sub types " ] && ok "boot --secrets completes directories" || bad "boot --secrets gives [$out]"
if head -n 1 send-secrets.help | grep -q "^Usage: mkhurdimg send-secrets"; then
	complete_line "$MKHURDIMG" send-secrets -- | sort > comp.send-secrets
	diff send-secrets.opts comp.send-secrets > comp.diff &&
		ok "'mkhurdimg send-secrets --' offers exactly the long options of its --help" ||
		bad "send-secrets completion vs --help: $(tr '\n' ' ' < comp.diff)"
	out=$(complete_line "$MKHURDIMG" send-secrets --port 11004 "" | sort | tr '\n' ' ')
	[ "$out" = "sub types " ] && ok "send-secrets DIR completes directories" || bad "send-secrets DIR gives [$out]"
fi

# ---- make install DESTDIR / make uninstall ----
if [ ! -f "$top_builddir/Makefile" ] || ! command -v make >/dev/null; then
	echo "  note: no Makefile in $top_builddir; install left to make distcheck"
	[ $fails = 0 ]
	exit
fi
dest=$work/dest
mk() {	# the install tree under $dest/usr, whatever the configured prefix
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@" \
		DESTDIR="$dest" prefix=/usr \
		bashcompletiondir=/usr/share/bash-completion/completions 2>&1
}
out=$(mk install) || bad "make install DESTDIR failed: $out"
missing=0
for f in usr/bin/mkhurdimg \
	usr/share/mkhurdimg/image-types/hurd-raw.conf \
	usr/share/mkhurdimg/image-types/hurd-qcow2.conf \
	usr/share/mkhurdimg/image-types/hurd64-raw.conf \
	usr/share/mkhurdimg/image-types/hurd64-qcow2.conf \
	usr/share/man/man1/mkhurdimg.1 usr/share/man/man5/mkhurdimg.conf.5 \
	usr/share/bash-completion/completions/mkhurdimg \
	usr/share/doc/mkhurdimg/examples/demo.conf \
	usr/share/doc/mkhurdimg/examples/closure.conf \
	usr/share/doc/mkhurdimg/examples/substitutes.conf \
	usr/share/doc/mkhurdimg/examples/bare-hurd.conf \
	usr/share/doc/mkhurdimg/examples/standin.c \
	usr/share/doc/mkhurdimg/examples/Makefile; do
	[ -f "$dest/$f" ] || { bad "make install did not install /$f"; missing=1; }
done
for f in make-demo-root.sh make-demo-store.sh make-demo-cache.sh; do
	[ -x "$dest/usr/share/doc/mkhurdimg/examples/$f" ] || { bad "make install did not install the script $f"; missing=1; }
done
[ $missing = 0 ] && ok "make install DESTDIR: program, image types, man pages, completion, examples"
cmp -s "$dest/usr/share/man/man1/mkhurdimg.1" "$man1" || bad "the installed mkhurdimg.1 differs from doc/"
out=$(mk uninstall) || bad "make uninstall failed: $out"
left=$(find "$dest" ! -type d | sed "s|^$dest||")
[ -z "$left" ] && ok "make uninstall removes every file it installed" || bad "left after make uninstall: $left"
[ $fails = 0 ]
