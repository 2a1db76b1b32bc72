#!/bin/bash
# cli.sh -- the command line's smaller promises, as a new user meets them:
#  * CONFIG "-" reads the configuration from standard input: the same
#    image as from the file, relative paths against the working directory,
#    messages naming <stdin>, no rule for it in a depfile;
#  * a value of 10 MB in the configuration is quoted by its first 60
#    bytes and "...", and the reason follows, on one line;
#  * warnings wait for the outcome: a failed build prints its error and
#    nothing else, a successful one its warnings, then its summary;
#  * the progress line on a terminal (script(1) gives one) uses no escape
#    sequence under TERM=dumb, and counts to the summary's own total.
. "$(dirname "$0")/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
workdir
mkdir -p root/boot root/hurd root/lib conf
printf 'not really GNU Mach\n' > root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "root/hurd/$s"; done
echo 'ld.so stand-in' > root/lib/ld.so.1
printf 'directory "root" { target = "/" }\n' > os.conf
cp os.conf conf/os.conf

# ---- the configuration on standard input ----
"$MKHURDIMG" -q -o file.img os.conf || bad "a build from os.conf failed"
if out=$("$MKHURDIMG" -q -o stdin.img - < os.conf 2>&1); then
	cmp -s file.img stdin.img && ok "'-' reads the configuration from stdin: the same image as from the file" ||
		bad "the image from stdin differs from the file's"
else
	bad "'-' for stdin: $out"
fi
# conf/os.conf names "root": against its own directory from the file,
# against the working directory from stdin.
out=$("$MKHURDIMG" -q -o x.img conf/os.conf 2>&1)
[ "$out" = "mkhurdimg: conf/os.conf:1: directory 'conf/root': No such file or directory" ] ||
	bad "conf/os.conf from the file: [$out]"
"$MKHURDIMG" -q -o y.img - < conf/os.conf && cmp -s y.img file.img &&
	ok "from stdin, relative paths resolve against the working directory" || bad "relative paths from stdin"
out=$(printf 'directory "root" { }\ntimeout = 3\n' | "$MKHURDIMG" -q -o z.img - 2>&1)
[ $? = 2 ] && [ "$out" = "mkhurdimg: <stdin>:2: no such option 'timeout'" ] && [ ! -e z.img ] &&
	ok "errors name <stdin>:LINE: $out" || bad "error from stdin: [$out]"
"$MKHURDIMG" -q --depfile d.d -o d.img - < os.conf || bad "--depfile with stdin failed"
grep -q '^d\.img:' d.d && ! grep -Eq '(^| )(-|<stdin>)( |:|$)' d.d &&
	ok "a depfile for a configuration on stdin has no rule for it" || bad "depfile with stdin: $(head -3 d.d)"

# ---- a huge value: quoted short, the reason kept ----
x60=$(head -c 60 /dev/zero | tr '\0' x)
for key in host-name directory; do
	{ [ $key = host-name ] && printf 'host-name = "' || printf 'directory "'
	  head -c 10000000 /dev/zero | tr '\0' x
	  [ $key = host-name ] && printf '"\n' || printf '" { }\n'; } > huge.conf
	out=$("$MKHURDIMG" -q -o huge.img huge.conf 2>&1)
	case $key in
	host-name) want="mkhurdimg: huge.conf:1: host-name '$x60...' is not a host name (letters, digits, '-' and '.')" ;;
	directory) want="mkhurdimg: huge.conf:1: directory '$x60...': File name too long" ;;
	esac
	[ "$out" = "$want" ] && ok "a 10 MB $key: one line of ${#out} bytes, the reason at its end" ||
		bad "a 10 MB $key: ${#out} bytes: ${out:0:100}...${out: -80}"
done

# ---- warnings only when the build succeeds ----
# The stand-in tree lacks the programs of Guix's translators: a warning
# each.  -s 1M is too small for it: an error after the warnings.
out=$("$MKHURDIMG" -s 1M -o w.img os.conf 2>&1); rc=$?
[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	[ "$out" = "${out#*warning}" ] && [ "$out" != "${out#mkhurdimg: the root file system size 1.0 MiB is too small}" ] &&
	ok "a failed build prints its error alone: $out" ||
	bad "a failed build printed $(printf '%s\n' "$out" | wc -l) lines: $(printf '%s\n' "$out" | head -2)"
out=$("$MKHURDIMG" -o w.img os.conf 2>&1) || bad "the build with warnings failed: $out"
nwarn=$(printf '%s\n' "$out" | grep -c '^mkhurdimg: warning: translator program /hurd/')
[ "$nwarn" -gt 5 ] && printf '%s\n' "$out" | tail -1 | grep -q '^mkhurdimg: w\.img: hurd-raw image' &&
	ok "a successful build prints its $nwarn warnings, then its summary" ||
	bad "successful build's messages: $(printf '%s\n' "$out" | tail -3)"

# ---- the progress line ----
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
	head -c 3000000 /dev/urandom > root/big
	TERM=dumb script -qec "$MKHURDIMG -o t.img os.conf" /dev/null > tty.out 2>&1 || bad "the build on a terminal failed: $(tail -1 tty.out)"
	tr '\r' '\n' < tty.out > tty.lines
	progress=$(grep -a ' files, .*/s, .* s left' tty.lines | tail -1)
	summary=$(grep -a '^mkhurdimg: t\.img: hurd-raw image' tty.lines)
	total=${summary##*(}; total=${total%)}
	if grep -q $'\033' tty.out; then bad "TERM=dumb: escape sequences: $(od -c tty.out | grep -m1 033)"
	elif [ -z "$progress" ]; then bad "no progress line on the terminal: $(head -c 200 tty.out)"
	else ok "TERM=dumb: a progress line ($progress), no escape sequence"; fi
	[ -n "$total" ] && [ "${progress%%,*}" = "$total / $total" ] &&
		ok "the progress ends at the summary's total: $total / $total" ||
		bad "progress [${progress%%,*}], summary total [$total]"
	rm -f root/big
else
	echo "  note: no script(1) or no pseudo-terminal here: the progress line is not checked"
fi

[ $fails = 0 ]
