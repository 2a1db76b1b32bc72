#!/bin/bash
# check-image.sh -- judge a mkhurdimg disk image with tools no one on the
# project wrote: sfdisk, e2fsck, dumpe2fs, debugfs (e2fsprogs), grub-fstest
# (GRUB's own ext2 driver) and qemu-img.  None of them shares code with
# mkhurdimg's writer, and none of our code reads the image back here.
#
# Copyright (C) 2026 the mkhurdimg authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# As a script:
#   check-image.sh IMAGE SRCDIR [--owner UID:GID|host] [--subdir PATH]
#                  [--ignore PATH]... [--grub-cfg EXPECTED] [--xattrs FILE]
#                  [--format raw|qcow2]
#   Prints "CHECK: ok" or "CHECK: FAIL: why" for each check; exits 0 when
#   all pass, 1 when any fails, 77 when a needed tool is missing.
#
# As a library (". check-image.sh"): the ci_* functions below; each prints
# its verdict, adds to CI_FAILS and returns non-zero on failure.
#   ci_check_image IMAGE SRCDIR [options]  all of the below
#   ci_partition IMAGE          sets CI_PART_START, CI_PART_SECTORS, CI_FSDEV
#   ci_e2fsck FSDEV             e2fsck -fn exits 0
#   ci_superblock FSDEV [BYTES] dumpe2fs -h: Hurd parameters, features, size
#   ci_tree FSDEV SRCDIR [SUBDIR [OWNER [IGNORE...]]]   debugfs vs the host
#   ci_xattrs FSDEV FILE        debugfs ea_get vs PATH<TAB>NAME<TAB>VALUE
#   ci_grub IMAGE FSDEV [EXPECTED_CFG]   grub-fstest and the MBR boot code
# FSDEV is "IMAGE?offset=BYTES": e2fsprogs' unix I/O manager opens the file
# system inside the disk image without copying it out.
#
# Limits: names or symlink targets holding a newline or a tab are not
# supported by the debugfs comparison (guestfs-tree covers them); mtimes
# before 1970 with a fraction are compared truncated, not floored; regular
# files are dumped to a temporary directory to be hashed, so it needs as much
# free space in $TMPDIR as the source tree's regular files take.

CI_FAILS=${CI_FAILS:-0}

ci_ok() { printf '%s: ok\n' "$1"; }
ci_fail() {
	printf '%s: FAIL: %s\n' "$1" "$2"
	CI_FAILS=$((CI_FAILS + 1))
	return 1
}

# Quote a path for a debugfs (libss) command line: "..." with "" for ".
ci_dq() {
	local s=${1//\"/\"\"}
	printf '"%s"' "$s"
}

ci_need_tools() {
	local t missing=
	for t in sfdisk e2fsck dumpe2fs debugfs sha256sum awk find; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] && return 0
	echo "SKIP: missing tools:$missing"
	return 77
}

# ci_partition IMAGE: exactly one MBR partition, start 2048, type 83, active.
# Sets CI_FSDEV whenever there is one partition inside the image, so that
# the file system can still be judged when, say, only the type is wrong.
ci_partition() {
	local img=$1 dump lines line bad='' name="sfdisk: one partition, start 2048, type 83, bootable"
	CI_PART_START='' CI_PART_SECTORS='' CI_FSDEV=''
	if ! dump=$(sfdisk --dump "$img" 2>&1); then
		ci_fail "$name" "sfdisk --dump fails: $dump"
		return 1
	fi
	printf '%s\n' "$dump" | grep -qx 'label: dos' ||
		bad="not an MBR (dos) partition table: $(printf '%s\n' "$dump" | grep '^label:')"
	lines=$(printf '%s\n' "$dump" | grep -E '^[^:]+ : start=')
	if [ "$(printf '%s\n' "$lines" | grep -c .)" != 1 ]; then
		ci_fail "$name" "${bad:+$bad; }$(printf '%s\n' "$lines" | grep -c .) partitions: $(printf '%s; ' "$lines")"
		return 1
	fi
	line=$lines
	CI_PART_START=$(printf '%s\n' "$line" | sed -n 's/.*start= *\([0-9]*\).*/\1/p')
	CI_PART_SECTORS=$(printf '%s\n' "$line" | sed -n 's/.*size= *\([0-9]*\).*/\1/p')
	[ "$CI_PART_START" = 2048 ] || bad="${bad:+$bad; }starts at sector $CI_PART_START"
	printf '%s\n' "$line" | grep -q 'type=83\(,\|$\)' ||
		bad="${bad:+$bad; }type $(printf '%s\n' "$line" | sed -n 's/.*type=\([^,]*\).*/\1/p')"
	printf '%s\n' "$line" | grep -q ', bootable$' || bad="${bad:+$bad; }not bootable"
	if [ "$(( (CI_PART_START + CI_PART_SECTORS) * 512 ))" -gt "$(stat -L -c %s "$img")" ]; then
		ci_fail "$name" "${bad:+$bad; }the partition ends past the end of the image: $line"
		return 1
	fi
	CI_FSDEV="$img?offset=$((CI_PART_START * 512))"
	if [ -n "$bad" ]; then
		ci_fail "$name" "$bad: $line"
		return 1
	fi
	ci_ok "$name"
}

# ci_e2fsck FSDEV: e2fsck -fn finds nothing to fix.
ci_e2fsck() {
	local out rc name="e2fsck -fn"
	out=$(e2fsck -fn "$1" 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		ci_fail "$name" "exit $rc: $(printf '%s\n' "$out" | grep -v '^Pass [1-5]' | head -8 | tr '\n' '|')"
		return 1
	fi
	ci_ok "$name"
}

# ci_superblock FSDEV [PARTITION_BYTES]: the Hurd's parameters, exactly the
# features ext_attr sparse_super large_file, and a file system that fits.
ci_superblock() {
	local dev=$1 part_bytes=${2:-} h got field want bad='' feats blocks bsize
	local name="dumpe2fs -h: Hurd, rev 1, 4 KiB blocks, 128-byte inodes, clean"
	if ! h=$(dumpe2fs -h "$dev" 2>/dev/null); then
		ci_fail "$name" "dumpe2fs -h fails: $(dumpe2fs -h "$dev" 2>&1 | tail -2 | tr '\n' ' ')"
		return 1
	fi
	while IFS='|' read -r field want; do
		got=$(printf '%s\n' "$h" | sed -n "s/^$field:[[:space:]]*//p")
		[ "$got" = "$want" ] || bad="$bad${bad:+; }$field '$got' != '$want'"
	done <<'EOF'
Filesystem magic number|0xEF53
Filesystem OS type|Hurd
Filesystem revision #|1 (dynamic)
Block size|4096
Inode size|128
Filesystem state|clean
EOF
	if [ -n "$bad" ]; then
		ci_fail "$name" "$bad"
	else
		ci_ok "$name"
	fi
	name="dumpe2fs -h: features exactly ext_attr sparse_super large_file"
	feats=$(printf '%s\n' "$h" | sed -n 's/^Filesystem features:[[:space:]]*//p' |
		tr ' ' '\n' | grep . | LC_ALL=C sort | tr '\n' ' ')
	if [ "$feats" != "ext_attr large_file sparse_super " ]; then
		ci_fail "$name" "features are '${feats% }'"
	else
		ci_ok "$name"
	fi
	if [ -n "$part_bytes" ]; then
		name="dumpe2fs -h: the file system fits its partition"
		blocks=$(printf '%s\n' "$h" | sed -n 's/^Block count:[[:space:]]*//p')
		bsize=$(printf '%s\n' "$h" | sed -n 's/^Block size:[[:space:]]*//p')
		if [ -z "$blocks" ] || [ -z "$bsize" ] || [ $((blocks * bsize)) -gt "$part_bytes" ]; then
			ci_fail "$name" "$blocks blocks of $bsize bytes > $part_bytes bytes"
		else
			ci_ok "$name"
		fi
	fi
	[ -z "$bad" ] && [ "$feats" = "ext_attr large_file sparse_super " ] &&
		{ [ -z "$part_bytes" ] || [ $((blocks * bsize)) -le "$part_bytes" ]; }
}

# ci_tree FSDEV SRCDIR [SUBDIR [OWNER [IGNORE...]]]: every entry of SRCDIR
# is under SUBDIR in the file system, as debugfs reads it, with the same
# type, permission bits, owner (OWNER "UID:GID", default 0:0, or "host"),
# mtime, size, symlink target, device number, link count, hard-link grouping
# and SHA-256 of its contents; nothing else is there but lost+found at the
# root and the IGNORE paths (absolute, or relative to SUBDIR; skipped).
ci_tree() {
	local dev=$1 src=$2 subdir=${3:-/} owner=${4:-0:0}
	shift 4 2>/dev/null || shift $#
	local name tmp out ign ig rc
	while [ "${#subdir}" -gt 1 ] && [ "${subdir%/}" != "$subdir" ]; do subdir=${subdir%/}; done
	name="debugfs: the tree of $src at $subdir"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-image.XXXXXX") || return 1
	ign=
	for ig in "$@"; do
		case $ig in
		/*)
			if [ "$subdir" = / ]; then
				ig=${ig#/}
			elif [ "$ig" = "$subdir" ]; then
				ig=
			elif [ "${ig#"$subdir"/}" != "$ig" ]; then
				ig=${ig#"$subdir"/}
			else
				continue
			fi ;;
		esac
		while [ "${ig%/}" != "$ig" ]; do ig=${ig%/}; done
		ign="$ign$ig"$'\n'
	done
	printf '%s' "$ign" > "$tmp/ignores"
	# The host side: type, mode, owner, size, mtime, inode, path, target.
	# debugfs output is line-based: names with a newline or a tab are left
	# out (with their subtrees), and so are targets with one.
	local nl=$'\n' tab=$'\t' skipped
	skipped=$(cd "$src" && find . \( -name "*$nl*" -o -name "*$tab*" \) -prune -printf x | wc -c)
	(cd "$src" && find . \( -name "*$nl*" -o -name "*$tab*" \) -prune -o \
		\( -lname "*$nl*" -o -lname "*$tab*" \) -printf '%y\t%m\t%U\t%G\t%s\t%T@\t%D:%i\t%P\t\001\n' -o \
		-printf '%y\t%m\t%U\t%G\t%s\t%T@\t%D:%i\t%P\t%l\n') > "$tmp/host" || {
		ci_fail "$name" "cannot list $src"
		rm -rf "$tmp"
		return 1
	}
	# Device numbers of device nodes (find has no major/minor).
	: > "$tmp/devs"
	(cd "$src" && find . \( -type c -o -type b \) -printf '%P\n') |
		while IFS= read -r p; do
			printf '%s\t%s\n' "$p" "$(stat -c '%t:%T' "$src/$p")"
		done > "$tmp/devs"
	# Commands for debugfs, one process for the whole tree: stat of every
	# entry, ls -p of every directory, dump of every regular file and long
	# symlink.  The awk also writes the host files to hash, in order.
	awk -F '\t' -v subdir="$subdir" -v tmp="$tmp" -v ignfile="$tmp/ignores" '
		function dq(s) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
		function ipath(rel) { return rel == "" ? subdir : (subdir == "/" ? "/" rel : subdir "/" rel) }
		function ignored(rel,   k) {
			for (k = 1; k <= nign; k++)
				if (ign[k] == "" || rel == ign[k] || substr(rel, 1, length(ign[k]) + 1) == ign[k] "/")
					return 1
			return 0
		}
		BEGIN { while ((getline l < ignfile) > 0) ign[++nign] = l }
		{
			if (ignored($8)) next
			n++
			print n "\t" $0 > (tmp "/manifest")
			stat[n] = "stat " dq(ipath($8))
			if ($1 == "d") ls[++nls] = "ls -p " dq(ipath($8))
			if ($1 == "f") {
				dump[++nd] = "dump " dq(ipath($8)) " " dq(tmp "/img/f." n)
				print $8 > (tmp "/hostfiles")
				print n > (tmp "/hostfiles.idx")
			}
			if ($1 == "l" && length($9) >= 60) dump[++nd] = "dump " dq(ipath($8)) " " dq(tmp "/img/l." n)
		}
		END {
			for (i = 1; i <= n; i++) print stat[i] > (tmp "/cmds")
			for (i = 1; i <= nls; i++) print ls[i] > (tmp "/cmds")
			for (i = 1; i <= nd; i++) print dump[i] > (tmp "/cmds")
			print n > (tmp "/count")
		}' "$tmp/host"
	mkdir "$tmp/img"
	touch "$tmp/hostfiles" "$tmp/hostfiles.idx" "$tmp/cmds"
	# Host hashes, in manifest order (a leading backslash marks an escaped name).
	if ! (cd "$src" && tr '\n' '\0' < "$tmp/hostfiles" | xargs -0 -r sha256sum --) > "$tmp/hostsums.raw" 2> "$tmp/err" ||
		[ "$(wc -l < "$tmp/hostsums.raw")" != "$(wc -l < "$tmp/hostfiles.idx")" ]; then
		ci_fail "$name" "cannot hash the files of $src: $(head -2 "$tmp/err" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	sed 's/^\\//' "$tmp/hostsums.raw" | cut -c1-64 | paste "$tmp/hostfiles.idx" - > "$tmp/hostsums"
	DEBUGFS_PAGER=__none__ PAGER=__none__ debugfs -f "$tmp/cmds" "$dev" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" != 0 ] || ! [ -s "$tmp/out" ]; then
		ci_fail "$name" "debugfs fails (exit $rc): $(head -3 "$tmp/err" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	(cd "$tmp/img" && find . -name 'f.*' -printf '%f\0' | xargs -0 -r sha256sum --) |
		sed -n 's/^\([0-9a-f]\{64\}\)  f\.\([0-9]*\)$/\2\t\1/p' > "$tmp/imgsums"
	out=$(awk -F '\t' -v subdir="$subdir" -v owner="$owner" -v tmp="$tmp" \
		-v ignfile="$tmp/ignores" -v nent="$(cat "$tmp/count")" '
		function ipath(rel) { return rel == "" ? subdir : (subdir == "/" ? "/" rel : subdir "/" rel) }
		function oct(s,   v, k) { v = 0; for (k = 1; k <= length(s); k++) v = v * 8 + substr(s, k, 1); return v }
		function hex(s,   v, k, c) {
			v = 0; s = tolower(s); sub(/^0x/, "", s)
			for (k = 1; k <= length(s); k++) { c = index("0123456789abcdef", substr(s, k, 1)) - 1; v = v * 16 + c }
			return v
		}
		function o4(v) { return sprintf("%04o", v) }
		function ignored(rel,   k) {
			for (k = 1; k <= nign; k++)
				if (ign[k] == "" || rel == ign[k] || substr(rel, 1, length(ign[k]) + 1) == ign[k] "/")
					return 1
			return 0
		}
		function parent(rel) { return rel ~ /\// ? substr(rel, 1, match(rel, /\/[^\/]*$/) - 1) : "" }
		function bad(rel, msg) { print ipath(rel) ": " msg; nbad++ }
		BEGIN {
			tname["f"] = "regular file"; tname["d"] = "directory"; tname["l"] = "symlink"
			tname["c"] = "character device"; tname["b"] = "block device"; tname["p"] = "fifo"; tname["s"] = "socket"
			dtype["regular"] = "f"; dtype["directory"] = "d"; dtype["symlink"] = "l"
			dtype["character special"] = "c"; dtype["block special"] = "b"; dtype["FIFO"] = "p"; dtype["socket"] = "s"
			split(owner, ow, ":")
			while ((getline l < ignfile) > 0) ign[++nign] = l
			while ((getline l < (tmp "/manifest")) > 0) {
				split(l, a, "\t")
				i = a[1]; ty[i] = a[2]; md[i] = a[3]; uid[i] = a[4]; gid[i] = a[5]; sz[i] = a[6]
				mt = a[7]; sub(/\..*/, "", mt); mtime[i] = mt + 0; hkey[i] = a[8]; rel[i] = a[9]; tgt[i] = a[10]
				idx[a[9]] = i; hostn[a[8]]++
			}
			while ((getline l < (tmp "/hostsums")) > 0) { split(l, a, "\t"); hsum[a[1]] = a[2] }
			while ((getline l < (tmp "/imgsums")) > 0) { split(l, a, "\t"); isum[a[1]] = a[2] }
			while ((getline l < (tmp "/devs")) > 0) { split(l, a, "\t"); hdev[a[1]] = a[2] }
			for (i = 1; i <= nent; i++) if (ty[i] == "d") dirs[++ndirs] = i
		}
		/^debugfs: / { cmd++; next }
		cmd >= 1 && cmd <= nent {
			i = cmd
			if ($0 ~ /^Inode: /) {
				x = $0; sub(/^Inode: */, "", x); sub(/ .*/, "", x); iino[i] = x
				x = $0; sub(/.*Type: */, "", x); sub(/ +Mode:.*/, "", x); itype[i] = x
				x = $0; sub(/.*Mode: */, "", x); sub(/ .*/, "", x); imode[i] = oct(x)
			} else if ($0 ~ /^User: /) {
				x = $0; gsub(/  */, " ", x); split(x, w, " ")
				iuid[i] = w[2]; igid[i] = w[4]; isz[i] = w[6]
			} else if ($0 ~ /^Links: /) {
				x = $0; sub(/^Links: */, "", x); sub(/ .*/, "", x); ilinks[i] = x + 0
			} else if ($0 ~ /^ *mtime: 0x/) {
				x = $0; sub(/^ *mtime: /, "", x); sub(/ .*/, "", x); v = hex(x)
				if (length(x) <= 10 && v >= 2147483648) v -= 4294967296
				imt[i] = v
			} else if ($0 ~ /^Fast link dest: "/) {
				x = $0; sub(/^Fast link dest: "/, "", x); sub(/"$/, "", x); itgt[i] = x
			} else if ($0 ~ /Device major\/minor number: /) {
				x = $0; sub(/.*\(hex /, "", x); sub(/\).*/, "", x); split(x, w, ":")
				idevmaj[i] = hex(w[1]); idevmin[i] = hex(w[2])
			}
			next
		}
		cmd > nent && cmd <= nent + ndirs && $0 ~ /^\/[0-9]+\/[0-7]+\// {
			# ls -p "/INODE/MODE/UID/GID/NAME/SIZE/" of the cmd-nent-th directory
			if (split($0, w, "/") != 8 || w[6] == "." || w[6] == ".." || w[6] ~ /\t/) next
			lsent[++nls] = dirs[cmd - nent] "\t" w[6]
			next
		}
		END {
			for (i = 1; i <= nent; i++) {
				r = rel[i]
				if (r != "" && (parent(r) in gone)) { gone[r] = 1; continue }
				if (!(i in iino)) { bad(r, "missing from the image (" tname[ty[i]] " in the source)"); gone[r] = 1; continue }
				t = dtype[itype[i]]
				if (t != ty[i]) { bad(r, "type " (t in tname ? tname[t] : itype[i]) " != " tname[ty[i]]); gone[r] = 1; continue }
				if (imode[i] % 4096 != oct(md[i])) bad(r, "mode " o4(imode[i] % 4096) " != " o4(oct(md[i])))
				wu = owner == "host" ? uid[i] : ow[1]; wg = owner == "host" ? gid[i] : ow[2]
				if (iuid[i] != wu || igid[i] != wg) bad(r, "owner " iuid[i] ":" igid[i] " != " wu ":" wg)
				if (imt[i] != mtime[i]) bad(r, "mtime " imt[i] " != " mtime[i])
				if ((t == "f" || t == "l") && isz[i] != sz[i]) bad(r, "size " isz[i] " != " sz[i])
				if (t == "l") {
					if (i in itgt) it = itgt[i]
					else { f = tmp "/img/l." i; it = ""; if ((getline it < f) <= 0) it = "?"; close(f) }
					if (tgt[i] == "\001") notarget++
					else if (it != tgt[i]) bad(r, "symlink -> \"" it "\" != \"" tgt[i] "\"")
				}
				if (t == "c" || t == "b") {
					split(hdev[r], w, ":")
					if (idevmaj[i] != hex(w[1]) || idevmin[i] != hex(w[2]))
						bad(r, "device " idevmaj[i] "," idevmin[i] " != " hex(w[1]) "," hex(w[2]))
				}
				if (t == "f") {
					if (!(i in isum)) bad(r, "contents unreadable by debugfs dump")
					else if (isum[i] != hsum[i]) bad(r, "contents differ: sha256 " substr(isum[i], 1, 16) "... != " substr(hsum[i], 1, 16) "...")
					if (ilinks[i] != hostn[hkey[i]]) bad(r, "links " ilinks[i] " != " hostn[hkey[i]])
					if ((hkey[i] in firstino) && firstino[hkey[i]] != iino[i])
						bad(r, "not a hard link to " ipath(firstrel[hkey[i]]) ", as in the source")
					else if (!(hkey[i] in firstino)) { firstino[hkey[i]] = iino[i]; firstrel[hkey[i]] = r }
					if ((iino[i] in byino) && byino[iino[i]] != hkey[i])
						bad(r, "a hard link to " ipath(inorel[iino[i]]) " in the image, not in the source")
					else if (!(iino[i] in byino)) { byino[iino[i]] = hkey[i]; inorel[iino[i]] = r }
				}
				if (t == "d") okdir[i] = 1
				checked++
			}
			# Extra entries, from the listing of every directory compared.
			for (k = 1; k <= nls; k++) {
				split(lsent[k], w, "\t")
				d = w[1]; nm = w[2]
				if (!(d in okdir)) continue
				r = rel[d] == "" ? nm : rel[d] "/" nm
				if ((r in idx) || ignored(r)) continue
				if (subdir == "/" && rel[d] == "" && nm == "lost+found") continue
				bad(r, "in the image, not in the source")
			}
			if (notarget) print "NOTE " notarget " symlink targets hold a newline or a tab: not compared"
			print "CHECKED " checked
			print "BAD " nbad + 0
		}' "$tmp/out")
	if [ -n "${CI_KEEP_TMP:-}" ]; then echo "(kept $tmp)"; else rm -rf "$tmp"; fi
	local checked nbad
	checked=$(printf '%s\n' "$out" | sed -n 's/^CHECKED //p')
	nbad=$(printf '%s\n' "$out" | sed -n 's/^BAD //p')
	if [ -z "$nbad" ]; then
		ci_fail "$name" "the comparison did not finish"
		return 1
	fi
	[ "$skipped" = 0 ] || echo "    note: $skipped entries with a newline or a tab in the name not compared (guestfs-tree covers them)"
	printf '%s\n' "$out" | sed -n 's/^NOTE /    note: /p'
	if [ "$nbad" != 0 ]; then
		printf '%s\n' "$out" | grep -v -e '^CHECKED ' -e '^BAD ' -e '^NOTE ' | sed 's/^/    /'
		ci_fail "$name" "$nbad mismatches in $checked entries (shown as IMAGE != SOURCE)"
		return 1
	fi
	ci_ok "$name ($checked entries)"
}

# Turn a VALUE of an xattrs file (\0 = NUL, \\ = backslash) into bytes.
ci_unescape() {
	local s=$1 c
	while [ -n "$s" ]; do
		c=${s:0:1}
		if [ "$c" = "\\" ] && [ "${s:1:1}" = 0 ]; then
			printf '\0'
			s=${s:2}
		elif [ "$c" = "\\" ] && [ "${s:1:1}" = "\\" ]; then
			printf '%s' "\\"
			s=${s:2}
		else
			printf '%s' "$c"
			s=${s:1}
		fi
	done
}

# Print the first 200 bytes of a file on one line, NUL as \0.
ci_show() {
	head -c 200 "$1" | tr '\0\n' '\001\002' | LC_ALL=C sed 's/\x01/\\0/g; s/\x02/\\n/g'
}

# ci_xattrs FSDEV FILE: each line PATH<TAB>NAME<TAB>VALUE (PATH absolute in
# the file system) must be an extended attribute debugfs reads exactly.
ci_xattrs() {
	local dev=$1 file=$2 tmp n=0 path attr value nbad=0 name="debugfs: extended attributes of $2"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-image.XXXXXX") || return 1
	while IFS=$'\t' read -r path attr value; do
		case $path in '' | '#'*) continue ;; esac
		n=$((n + 1))
		ci_unescape "$value" > "$tmp/want.$n"
		printf 'ea_get -f %s %s %s\n' "$(ci_dq "$tmp/got.$n")" "$(ci_dq "$path")" "$(ci_dq "$attr")" >> "$tmp/cmds"
		printf '%s\t%s\n' "$path" "$attr" >> "$tmp/names"
	done < "$file"
	if [ "$n" = 0 ]; then
		rm -rf "$tmp"
		ci_fail "$name" "no PATH<TAB>NAME<TAB>VALUE line in $file"
		return 1
	fi
	DEBUGFS_PAGER=__none__ debugfs -f "$tmp/cmds" "$dev" > /dev/null 2> "$tmp/err"
	n=0
	while IFS=$'\t' read -r path attr; do
		n=$((n + 1))
		if ! [ -e "$tmp/got.$n" ]; then
			echo "    $path: xattr $attr absent"
			nbad=$((nbad + 1))
		elif ! cmp -s "$tmp/got.$n" "$tmp/want.$n"; then
			echo "    $path: xattr $attr \"$(ci_show "$tmp/got.$n")\" != \"$(ci_show "$tmp/want.$n")\""
			nbad=$((nbad + 1))
		fi
	done < "$tmp/names"
	rm -rf "$tmp"
	if [ "$nbad" != 0 ]; then
		ci_fail "$name" "$nbad of $n differ"
		return 1
	fi
	ci_ok "$name ($n attributes)"
}

# ci_grub IMAGE FSDEV [EXPECTED_CFG]: when the file system has
# /boot/grub/grub.cfg (as debugfs sees it), GRUB's own ext2 driver, through
# grub-fstest, must list /boot/grub and its i386-pc modules and read
# grub.cfg byte for byte as debugfs does (and as EXPECTED_CFG, if given);
# the MBR's boot code must be GRUB's, with its core image in the gap.
ci_grub() {
	local img=$1 dev=$2 expect=${3:-} tmp lst mods m missing='' name
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-image.XXXXXX") || return 1
	DEBUGFS_PAGER=__none__ debugfs -R 'dump /boot/grub/grub.cfg '"$(ci_dq "$tmp/cfg.debugfs")" "$dev" >/dev/null 2>&1
	if ! [ -e "$tmp/cfg.debugfs" ]; then
		rm -rf "$tmp"
		if [ -n "$expect" ]; then
			ci_fail "grub: /boot/grub/grub.cfg" "absent from the file system"
			return 1
		fi
		echo "grub: no /boot/grub/grub.cfg in the image: skipped"
		return 0
	fi
	if ! command -v grub-fstest >/dev/null 2>&1; then
		rm -rf "$tmp"
		echo "grub: grub-fstest is not installed: skipped"
		return 0
	fi
	local rc=0
	name="grub-fstest: lists (loop0,msdos1)/boot/grub"
	if lst=$(grub-fstest "$img" ls '(loop0,msdos1)/boot/grub/' 2>&1) &&
		printf '%s\n' "$lst" | tr ' ' '\n' | grep -qx 'grub.cfg' &&
		printf '%s\n' "$lst" | tr ' ' '\n' | grep -qx 'i386-pc/'; then
		ci_ok "$name"
	else
		ci_fail "$name" "no grub.cfg and i386-pc/ in: $lst"
		rc=1
	fi
	name="grub-fstest: GRUB's modules in /boot/grub/i386-pc"
	mods=$(grub-fstest "$img" ls '(loop0,msdos1)/boot/grub/i386-pc/' 2>&1 | tr ' ' '\n')
	for m in normal.mod ext2.mod part_msdos.mod biosdisk.mod multiboot.mod; do
		printf '%s\n' "$mods" | grep -qx "$m" || missing="$missing $m"
	done
	if [ -z "$missing" ]; then
		ci_ok "$name ($(printf '%s\n' "$mods" | grep -c '\.mod$') modules)"
	else
		ci_fail "$name" "missing:$missing"
		rc=1
	fi
	name="grub-fstest: reads grub.cfg as debugfs does"
	if grub-fstest "$img" cp '(loop0,msdos1)/boot/grub/grub.cfg' "$tmp/cfg.grub" >/dev/null 2>&1 &&
		cmp -s "$tmp/cfg.grub" "$tmp/cfg.debugfs"; then
		ci_ok "$name"
	else
		ci_fail "$name" "GRUB's ext2 driver and debugfs disagree about /boot/grub/grub.cfg"
		rc=1
	fi
	if [ -n "$expect" ]; then
		name="grub-fstest: grub.cfg is $expect"
		if cmp -s "$tmp/cfg.grub" "$expect"; then
			ci_ok "$name"
		else
			ci_fail "$name" "differs: $(diff "$expect" "$tmp/cfg.grub" | head -6 | tr '\n' '|')"
			rc=1
		fi
	fi
	# GRUB's files as grub-install leaves them: regular files of root's,
	# mode 0644.
	name="grub: grub.cfg, core.img and the modules are root's, 0644"
	missing=''
	for m in /boot/grub/grub.cfg /boot/grub/i386-pc/core.img /boot/grub/i386-pc/normal.mod; do
		DEBUGFS_PAGER=__none__ debugfs -R "stat $m" "$dev" 2>/dev/null |
			tr -s ' \t\n' ' ' | grep -q 'Type: regular Mode: 0644 .*User: 0 Group: 0 ' ||
			missing="$missing $m"
	done
	if [ -z "$missing" ]; then
		ci_ok "$name"
	else
		ci_fail "$name" "not a regular 0644 file of 0:0:$missing"
		rc=1
	fi
	# GRUB's boot.img carries these messages in its 440 bytes of code; the
	# core image (diskboot.img first) follows in sector 1 of the gap.
	name="MBR: GRUB boot code, core image in the gap"
	dd if="$img" of="$tmp/mbr" bs=440 count=1 status=none
	dd if="$img" of="$tmp/gap" bs=512 skip=1 count=2047 status=none
	if grep -aq 'GRUB ' "$tmp/mbr" && grep -aq 'Geom' "$tmp/mbr" &&
		grep -aq 'Read' "$tmp/mbr" && [ -n "$(tr -d '\0' < "$tmp/gap" | head -c 1)" ]; then
		ci_ok "$name"
	else
		ci_fail "$name" "no GRUB boot.img messages in the MBR, or an empty gap"
		rc=1
	fi
	rm -rf "$tmp"
	return "$rc"
}

# ci_check_image IMAGE SRCDIR [options]: all of the above; returns 0 when all
# pass, 1 otherwise, 77 when a needed tool is missing.
ci_check_image() {
	local img=$1 src=$2 owner=0:0 subdir=/ cfg='' xattrs='' format=raw raw rc
	local -a ignores=()
	shift 2 || { echo "usage: check-image.sh IMAGE SRCDIR [options]" >&2; return 1; }
	while [ $# -gt 0 ]; do
		case $1 in
		--owner) owner=$2; shift 2 ;;
		--subdir) subdir=$2; shift 2 ;;
		--ignore) ignores+=("$2"); shift 2 ;;
		--grub-cfg) cfg=$2; shift 2 ;;
		--xattrs) xattrs=$2; shift 2 ;;
		--format) format=$2; shift 2 ;;
		*) echo "check-image.sh: unknown option $1" >&2; return 1 ;;
		esac
	done
	ci_need_tools || return $?
	CI_FAILS=0
	raw=$img
	if [ "$format" = qcow2 ]; then
		command -v qemu-img >/dev/null 2>&1 || { echo "SKIP: qemu-img missing"; return 77; }
		if qemu-img check -f qcow2 "$img" >/dev/null 2>&1; then
			ci_ok "qemu-img check"
		else
			ci_fail "qemu-img check" "$(qemu-img check -f qcow2 "$img" 2>&1 | tail -3 | tr '\n' ' ')"
		fi
		raw=$(mktemp "${TMPDIR:-/tmp}/check-image.XXXXXX.raw") || return 1
		qemu-img convert -f qcow2 -O raw "$img" "$raw" ||
			{ ci_fail "qemu-img convert" "cannot read $img as qcow2"; rm -f "$raw"; return 1; }
	fi
	ci_partition "$raw"
	if [ -n "$CI_FSDEV" ]; then
		ci_e2fsck "$CI_FSDEV"
		ci_superblock "$CI_FSDEV" "$((CI_PART_SECTORS * 512))"
		ci_tree "$CI_FSDEV" "$src" "$subdir" "$owner" "${ignores[@]}"
		[ -n "$xattrs" ] && ci_xattrs "$CI_FSDEV" "$xattrs"
		ci_grub "$raw" "$CI_FSDEV" "$cfg"
	fi
	[ "$raw" != "$img" ] && rm -f "$raw"
	rc=0
	[ "$CI_FAILS" = 0 ] || rc=1
	echo "check-image: $CI_FAILS failed checks"
	return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	if [ $# -lt 2 ]; then
		echo "usage: check-image.sh IMAGE SRCDIR [--owner UID:GID|host] [--subdir PATH] [--ignore PATH]... [--grub-cfg FILE] [--xattrs FILE] [--format raw|qcow2]" >&2
		exit 1
	fi
	ci_check_image "$@"
	exit $?
fi
