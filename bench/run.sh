#!/bin/bash
# run.sh -- the mkhurdimg benchmark (make bench).
#
# Usage: bench/run.sh [TREE] [REPS]      (default /usr/share, 3)
#
# Every comparison is a pair of commands run alternately, REPS times each
# after one warm-up of each: the machine is shared, so what counts is the
# ratio of runs made side by side.  The medians of each command and the
# median of the per-pair ratios are reported, with the ratios' spread.
#
#  1. The shapes (issue 14, goals 1 and 2): TREE (/usr/share), a generated
#     tree of 600,000 small files (100 x 60 directories of 100 files of
#     0-3,000 bytes) and one of 160,000 files in one directory.  On each,
#     mkhurdimg raw and qcow2 against tar -cf, and against mke2fs -t ext2
#     -o hurd -d + qemu-img convert (TREE and the flat tree; on the small
#     one, mke2fs -d alone), with the image's own inode count.  mke2fs -d
#     takes many minutes on the flat tree (libext2fs 1.47.0 is quadratic
#     there): it runs once, at the end, given up after
#     BENCH_ANCHOR_TIMEOUT seconds (default 3600).  A failed run marks
#     its goal "a run failed".
#  2. Growth (goal 3): raw images of 100,000 to 1,000,000 entries (a
#     generated tree of directories of 100 files): time, peak RSS, and both
#     per entry.
#  3. Zero copy (goal 4): TREE with the image on TREE's own file system
#     (copy_file_range works there, not into /dev/shm), and, when this runs
#     as root with mkfs.btrfs, TREE copied onto a loop-mounted btrfs with
#     the image beside it: time against tar, and the image's exclusive
#     bytes (btrfs filesystem du) against the file tails it cannot share
#     plus the file system's metadata.  Beside it, bench/btrfs-floor.c
#     (built with $CC) against tar: the least work any tool keeping the
#     README's promises does there, with no ext2 at all, with one thread,
#     two into one image, and two each into its own image; and the CPU
#     time of each.
#  4. System calls (goal 5): strace -f on TREE, per entry, against tar
#     (every call, also those strace -c leaves out, such as listxattrat).
#     BENCH_BASELINE=PROGRAM counts an older mkhurdimg too.
#  5. --compress against qemu-img convert -c, on TREE.
#
# The generated trees are kept under $BENCH_TREES (default
# $BENCH_DIR/mkhurdimg-bench-trees; made by bench/make-tree.py, the same
# bytes every time) for the next run.  They take about 7 GiB of files and
# 1.8 million inodes, which in /dev/shm cannot be given back to other
# programs: on a machine of 24 GiB shared with other work, put them on a
# disk (BENCH_TREES=/var/tmp/mkhurdimg-bench-trees), where they are read
# from the page cache like /usr/share.  Everything else is written under
# $BENCH_DIR (default /dev/shm if it exists, so the disk does not decide),
# each command's output removed before each run (so that one image at a
# time is held), and removed at the end; bench/RESULTS.md is rewritten.
# BENCH_QUICK=1 makes smaller trees, for trying the script.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$here/..}
MKHURDIMG=${MKHURDIMG:-$top_builddir/src/mkhurdimg}
tree=${1:-/usr/share}
reps=${2:-3}
out=${BENCH_OUT:-$top_srcdir/bench/RESULTS.md}
base=${BENCH_DIR:-$([ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")}
quick=${BENCH_QUICK:-}
work=$(mktemp -d "$base/mkhurdimg-bench.XXXXXX")
cleanup() {
	[ -n "${btrfs_mnt:-}" ] && umount "$btrfs_mnt" 2>/dev/null
	rm -rf "$work" "${samefs_dir:-}"
}
trap cleanup EXIT
for p in /usr/bin/time mke2fs qemu-img tar python3; do
	command -v "$p" >/dev/null || { echo "bench: $p is needed" >&2; exit 1; }
done
[ -d "$tree" ] || { echo "bench: $tree is not a directory" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

# ---- inputs ----

# The generated trees, made once.
trees=${BENCH_TREES:-$base/mkhurdimg-bench-trees}${quick:+-quick}
mkdir -p "$trees"
make_tree() { # NAME SHAPE
	local stamp
	stamp="$(sha256sum < "$here/make-tree.py" | cut -c1-16) $2"
	if [ "$(cat "$trees/$1.stamp" 2>/dev/null)" != "$stamp" ]; then
		log "making the $1 tree ($2) under $trees"
		rm -rf "$trees/$1" "$trees/$1.stamp"
		"$here/make-tree.py" "$trees/$1" "$2" || exit 1
		echo "$stamp" > "$trees/$1.stamp"
	fi
}
if [ -n "$quick" ]; then
	make_tree small files:20000
	make_tree flat flat:16000
	make_tree growth files:120000
	sizes="10000 40000 120000"
else
	make_tree small small
	make_tree flat flat
	make_tree growth files:1000000
	sizes="100000 250000 500000 1000000"
fi

# A config for trees (stand-in kernel and servers: this measures the
# file system, not the boot).
"$top_srcdir/examples/make-demo-root.sh" "$work/boot-root" >/dev/null || exit 1
conf() { # FILE TREE...
	local f=$1
	shift
	{
		printf 'translators = "none"\nregister-store = false\n'
		printf 'directory "%s" { }\n' "$work/boot-root"
		for t in "$@"; do printf 'directory "%s" { target = "/data%s" }\n' "$t" "$t"; done
	} > "$f"
}
entries() { find "$@" | wc -l; }
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }

# ---- measuring ----

# run NAME CMD...: one timed run; sets t, m and tc (seconds, peak KiB,
# CPU seconds: user + system, of all its threads).  The files named in
# $scratch (outputs) are removed first, untimed.
scratch=
run() {
	local name=$1 u k
	shift
	[ -n "$scratch" ] && rm -f $scratch
	/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
		{ log "$name failed: $(tail -3 "$work/err")"; failed[${name%.[ab]}]=1; }
	read -r t m u k < <(tail -1 "$work/time")
	tc=$(awk -v u="$u" -v k="$k" 'BEGIN { printf "%.2f", u + k }')
}

# pair KEY "CMD A" "CMD B" [N]: A and B alternately, N (REPS) times each
# after a warm-up of each (none when N is 1).  Sets med[KEY.a], med[KEY.b]
# (median seconds), rss[KEY.a], rss[KEY.b] (median peak KiB), cpu[KEY.a],
# cpu[KEY.b] (median CPU seconds), runs[KEY] (the pairs' times, "A B"
# per line), and ratio[KEY] (median of A/B per pair), lo[KEY] and
# hi[KEY] (its range).
declare -A med rss cpu runs ratio lo hi failed
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
pair() {
	local key=$1 a=$2 b=$3 n=${4:-$reps} i ta=() tb=() ma=() mb=() ca=() cb=() rs=()
	if [ "$n" -gt 1 ]; then
		run "$key.a" sh -c "$a"
		run "$key.b" sh -c "$b"
	fi
	runs[$key]=
	for ((i = 0; i < n; i++)); do
		run "$key.a" sh -c "$a"
		ta+=("$t") ma+=("$m") ca+=("$tc")
		run "$key.b" sh -c "$b"
		tb+=("$t") mb+=("$m") cb+=("$tc")
		runs[$key]+="${ta[-1]} $t"$'\n'
		rs+=("$(awk -v x="${ta[-1]}" -v y="$t" 'BEGIN { printf "%.4f", x / (y > 0 ? y : 0.001) }')")
	done
	med[$key.a]=$(printf '%s\n' "${ta[@]}" | median)
	med[$key.b]=$(printf '%s\n' "${tb[@]}" | median)
	cpu[$key.a]=$(printf '%s\n' "${ca[@]}" | median)
	cpu[$key.b]=$(printf '%s\n' "${cb[@]}" | median)
	rss[$key.a]=$(printf '%s\n' "${ma[@]}" | median)
	rss[$key.b]=$(printf '%s\n' "${mb[@]}" | median)
	ratio[$key]=$(printf '%s\n' "${rs[@]}" | median)
	lo[$key]=$(printf '%s\n' "${rs[@]}" | sort -g | head -1)
	hi[$key]=$(printf '%s\n' "${rs[@]}" | sort -g | tail -1)
	log "$key: ${med[$key.a]} s / ${med[$key.b]} s = ${ratio[$key]} (${lo[$key]}-${hi[$key]})"
}

# single KEY CMD [N]: N runs (REPS) of one command, no warm-up when 1.
single() {
	local key=$1 c=$2 n=${3:-$reps} i ts=() ms=()
	[ "$n" -gt 1 ] && run "$key" sh -c "$c"
	for ((i = 0; i < n; i++)); do
		run "$key" sh -c "$c"
		ts+=("$t") ms+=("$m")
	done
	med[$key]=$(printf '%s\n' "${ts[@]}" | median)
	rss[$key]=$(printf '%s\n' "${ms[@]}" | median)
	log "$key: ${med[$key]} s, ${rss[$key]} KiB"
}

fs_size() { # IMAGE: bytes of the file system (the partition at 1 MiB)
	echo $(( $(stat -c %s "$1") - 1048576 ))
}

q() { printf '%q' "$1"; }
M=$(q "$MKHURDIMG")
T=$(q "$top_srcdir/image-types")
W=$(q "$work")

# ---- 1. the shapes ----

scratch="$work/r.img $work/q.qcow2 $work/out.tar $work/p.img $work/p.qcow2"

declare -A shape_path shape_entries shape_bytes
shape_path[share]=$tree
shape_path[small]=$trees/small
shape_path[flat]=$trees/flat
for s in share small flat; do
	p=${shape_path[$s]}
	shape_entries[$s]=$(entries "$p")
	shape_bytes[$s]=$(du -sb "$p" | cut -f1)
	conf "$work/$s.conf" "$p"
	mk -t hurd-raw -o "$work/$s.img" "$work/$s.conf" || exit 1
	fs=$(fs_size "$work/$s.img")
	# mke2fs's default (a 16 KiB inode ratio) has too few inodes for the
	# generated trees: it gets the image's own count.
	inodes=$(od -An -tu4 -j $((1048576 + 1024)) -N 4 "$work/$s.img" | tr -d ' ')
	rm -f "$work/$s.img"
	P=$(q "$p")
	tarcmd="tar -cf $W/out.tar -C $P ."
	pair "$s.raw" "$M -q --types-dir $T -t hurd-raw -o $W/r.img $W/$s.conf" "$tarcmd"
	pair "$s.qcow2" "$M -q --types-dir $T -t hurd-qcow2 -o $W/q.qcow2 $W/$s.conf" "$tarcmd"
	mke2fs="rm -f $W/p.img; mke2fs -q -F -t ext2 -o hurd -O ext_attr -N $inodes -d $P $W/p.img $((fs / 1024))k"
	anchor="$mke2fs && qemu-img convert -O qcow2 $W/p.img $W/p.qcow2 && rm -f $W/p.img $W/p.qcow2"
	if [ $s = small ]; then
		pair "$s.mke2fs" "$mke2fs" "$M -q --types-dir $T -t hurd-raw -o $W/r.img $W/$s.conf"
	elif [ $s = flat ]; then
		# Minutes (see above): it runs last, once, and is given up after
		# BENCH_ANCHOR_TIMEOUT seconds (default 3600).
		flat_anchor="timeout ${BENCH_ANCHOR_TIMEOUT:-3600} sh -c $(q "$anchor")"
	else
		pair "$s.anchor" "$anchor" "$M -q --types-dir $T -t hurd-qcow2 -o $W/q.qcow2 $W/$s.conf"
	fi
	rm -f "$work"/*.img "$work"/*.qcow2 "$work/out.tar"
done

# ---- 2. growth ----

scratch="$work/g.img"

declare -A grow_n grow_t grow_m
tops=$(cd "$trees/growth" && ls | sort)
last=${sizes##* }
first=${sizes%% *}
gmk() { echo "$M -q --types-dir $T -t hurd-raw -o $W/g.img $W/g$1.conf"; }
for size in $sizes; do
	# Whole top directories (100 x 101 entries each) up to SIZE entries.
	set --
	n=0
	for d in $tops; do
		[ $n -ge "$size" ] && break
		set -- "$@" "$trees/growth/$d"
		n=$((n + $(entries "$trees/growth/$d")))
	done
	conf "$work/g$size.conf" "$@"
	grow_n[$size]=$n
	case $size in $first|$last) continue ;; esac
	single "grow$size" "$(gmk "$size")"
	grow_t[$size]=${med[grow$size]}
	grow_m[$size]=${rss[grow$size]}
done
# The largest and the smallest side by side, for the linearity ratio:
# drift between runs made minutes apart would count as growth.
pair grow "$(gmk "$last")" "$(gmk "$first")"
grow_t[$last]=${med[grow.a]} grow_m[$last]=${rss[grow.a]}
grow_t[$first]=${med[grow.b]} grow_m[$first]=${rss[grow.b]}
conf "$work/empty.conf"
single empty "$M -q --types-dir $T -t hurd-raw -o $W/g.img $W/empty.conf"
rm -f "$work/g.img"
# Time per entry, less the empty run, largest / smallest, for each pair.
lin_runs=$(printf '%s' "${runs[grow]}" | awk -v na="${grow_n[$first]}" \
	-v nb="${grow_n[$last]}" -v t0="${med[empty]}" \
	'NF == 2 { printf "%.4f\n", (($1 - t0) / nb) / (($2 - t0) / na) }')
lin=$(echo "$lin_runs" | median)
lin_lo=$(echo "$lin_runs" | sort -g | head -1)
lin_hi=$(echo "$lin_runs" | sort -g | tail -1)

# ---- 3. zero copy ----

# The image on TREE's own file system: copy_file_range copies in the
# kernel there (across file systems it cannot).
samefs_dir=
for d in "$(dirname "$tree")" /var/tmp /tmp; do
	if [ -w "$d" ] && [ "$(stat -c %d "$d")" = "$(stat -c %d "$tree")" ]; then
		samefs_dir=$(mktemp -d "$d/mkhurdimg-bench.XXXXXX")
		break
	fi
done
if [ -n "$samefs_dir" ]; then
	S=$(q "$samefs_dir")
	scratch="$samefs_dir/r.img $samefs_dir/out.tar"
	pair samefs "$M -q --types-dir $T -t hurd-raw -o $S/r.img $W/share.conf" \
		"tar -cf $S/out.tar -C $(q "$tree") ."
	rm -rf "$samefs_dir"
	samefs_dir=
fi

# On btrfs, with reflinks: the whole blocks of every file are shared.
btrfs_note= floor_note=
if [ "$(id -u)" = 0 ] && command -v mkfs.btrfs >/dev/null && command -v btrfs >/dev/null; then
	# Room to spare: a btrfs short of space for its metadata makes
	# reflinks wait for it to be flushed, which is not what is measured.
	size=$(( (shape_bytes[share] * 8 / 1048576 + 4096) ))
	if truncate -s "${size}M" "$work/btrfs.img" &&
		mkfs.btrfs -q -f "$work/btrfs.img" >/dev/null 2>&1 &&
		mkdir -p "$work/btrfs" &&
		mount -o loop "$work/btrfs.img" "$work/btrfs" 2>"$work/err"; then
		btrfs_mnt=$work/btrfs
		# Written back before anything is timed.
		cp -a "$tree" "$btrfs_mnt/share" && sync
		conf "$work/btrfs.conf" "$btrfs_mnt/share"
		B=$(q "$btrfs_mnt")
		scratch="$btrfs_mnt/r.img $btrfs_mnt/out.tar"
		pair btrfs "$M -q --types-dir $T -t hurd-raw -o $B/r.img $W/btrfs.conf" \
			"tar -cf $B/out.tar -C $B/share ."
		# The floor: the least any tool keeping the README's promises
		# does there (bench/btrfs-floor.c -g), against tar too: two
		# threads into one image (-j), one thread, and two threads
		# each into its own image (no lock shared: the most two
		# cores can do).
		if ${CC:-cc} -O2 -pthread -o "$work/btrfs-floor" "$here/btrfs-floor.c" 2>"$work/err"; then
			scratch="$btrfs_mnt/f.img $btrfs_mnt/g.img $btrfs_mnt/out.tar"
			pair floor "$W/btrfs-floor -g -j $B/share $B/f.img" \
				"tar -cf $B/out.tar -C $B/share ."
			pair floor1 "$W/btrfs-floor -g $B/share $B/f.img" \
				"tar -cf $B/out.tar -C $B/share ."
			pair floor2 "$W/btrfs-floor -g $B/share $B/f.img $B/g.img" \
				"tar -cf $B/out.tar -C $B/share ."
		else
			floor_note="not measured: bench/btrfs-floor.c did not build: $(tail -1 "$work/err")"
		fi
		rm -f $scratch
		scratch=
		mk -t hurd-raw -o "$btrfs_mnt/r.img" "$work/btrfs.conf" && sync
		excl=$(btrfs filesystem du -s --raw "$btrfs_mnt/r.img" | awk 'NR == 2 { print $2 }')
		# What cannot be shared (the files' tails) and what is not file
		# data, as tests/integration/reflink.sh judges it.  The stand-in
		# boot files are off the btrfs: they count as not file data.
		read -r _ tails meta bound < <("$top_srcdir/tests/integration/share-bound.sh" \
			"$btrfs_mnt/r.img" "$btrfs_mnt/share")
		umount "$btrfs_mnt"
		btrfs_mnt=
	else
		btrfs_note="no loop-mounted btrfs: $(tail -1 "$work/err" 2>/dev/null)"
	fi
	rm -f "$work/btrfs.img"
else
	btrfs_note="not measured: it needs root, mkfs.btrfs and btrfs (btrfs-progs)"
fi

# ---- 4. system calls ----

scratch=

# Every line of strace -f is a call (strace -c leaves out the calls it
# has no name for, listxattrat among them); "resumed" halves, signals
# and exits are not calls.
count_calls() { # TRACE: calls, then the top ten as NAME=N
	grep -v -e 'resumed>' -e '^[0-9]* *+++' -e '^[0-9]* *---' "$1" |
		sed -E 's/^[0-9]+ +//; s/\(.*//' | sort | uniq -c | sort -rn |
		awk '{ n += $1; if (NR <= 10) top = top " " $2 "=" $1 } END { print n top }'
}
declare -A calls
if command -v strace >/dev/null; then
	strace -f -qq -o "$work/tar.tr" tar -cf "$work/out.tar" -C "$tree" . >/dev/null 2>&1
	calls[tar]=$(count_calls "$work/tar.tr")
	rm -f "$work/tar.tr" "$work/out.tar"
	strace -f -qq -o "$work/mk.tr" "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" \
		-t hurd-raw -o "$work/r.img" "$work/share.conf" >/dev/null 2>&1
	calls[mk]=$(count_calls "$work/mk.tr")
	rm -f "$work/mk.tr" "$work/r.img"
	if [ -n "${BENCH_BASELINE:-}" ]; then
		strace -f -qq -o "$work/old.tr" "$BENCH_BASELINE" -q --types-dir "$top_srcdir/image-types" \
			-t hurd-raw -o "$work/r.img" "$work/share.conf" >/dev/null 2>&1
		calls[old]=$(count_calls "$work/old.tr")
		rm -f "$work/old.tr" "$work/r.img"
	fi
fi

# ---- 5. compression ----

mk -t hurd-raw -o "$work/r.img" "$work/share.conf" || exit 1
pair compress "$M -q --types-dir $T -t hurd-qcow2 --compress -o $W/z.qcow2 $W/share.conf" \
	"qemu-img convert -c -O qcow2 $W/r.img $W/c.qcow2" 1
size_z=$(stat -c %s "$work/z.qcow2")
size_c=$(stat -c %s "$work/c.qcow2")
rm -f "$work"/*.img "$work"/*.qcow2

# ---- 1, continued: mke2fs -d on the flat tree ----

scratch="$work/r.img $work/q.qcow2 $work/out.tar $work/p.img $work/p.qcow2"
pair flat.anchor "$flat_anchor" "$M -q --types-dir $T -t hurd-qcow2 -o $W/q.qcow2 $W/flat.conf" 1
rm -f $scratch
scratch=

# ---- the report ----

fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
per_entry() { awk -v c="${1%% *}" -v n="$2" 'BEGIN { printf "%.2f", c / n }'; }
verdict() { # VALUE OP LIMIT [KEY]: KEY names a pair whose runs must not have failed
	if [ -n "${4:-}" ] && [ -n "${failed[$4]:-}" ]; then
		echo "**a run failed** (see the bench's log)"
		return
	fi
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = op == "<=" ? v <= l : v >= l; print ok ? "met" : "**not met**" }'
}
shape_desc() {
	case $1 in
	share) echo "$tree" ;;
	small) echo "generated: ${quick:+(quick) }100 x 60 directories of 100 files of 0-3,000 bytes" ;;
	flat) echo "generated: ${quick:+(quick) }160,000 files of 0-3,000 bytes in one directory" ;;
	esac
}
{
	echo "# mkhurdimg benchmark"
	echo
	echo "Written by bench/run.sh on $(date -u +%Y-%m-%d); $reps paired runs of each"
	echo "comparison, alternating, after one warm-up of each, timed with /usr/bin/time;"
	echo "medians, and the median and range of the per-pair ratios.  Files under $base"
	echo "unless said.  The machine is shared: the ratios of runs made side by side"
	echo "are the figures to read, and they move between runs of the bench."
	echo "Generated trees under $trees ($(df --output=fstype "$trees" | tail -1)); each output removed before each run."
	echo
	echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 2^20 }' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- System: $(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r); e2fsprogs $(mke2fs -V 2>&1 | head -1 | awk '{ print $2 }'), $(qemu-img --version | head -1), $(tar --version | head -1)"
	echo "- mkhurdimg $(cd "$top_srcdir" && git describe --always --dirty 2>/dev/null || echo '?'), default --threads"
	echo
	echo "## 1. Tree shapes (goals 1 and 2)"
	echo
	echo "| Tree | Entries | Bytes | tar -cf s | raw s | raw / tar | qcow2 s | qcow2 / tar | anchor s | anchor / qcow2 | peak RSS MiB |"
	echo "| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | --- | ---: |"
	for s in share small flat; do
		if [ $s = small ]; then
			anc="${med[$s.mke2fs.a]} (mke2fs -d alone)"
			ar="$(fmt "${ratio[$s.mke2fs]}") (${lo[$s.mke2fs]}-${hi[$s.mke2fs]}) vs raw"
		else
			anc=${med[$s.anchor.a]}
			ar="$(fmt "${ratio[$s.anchor]}") (${lo[$s.anchor]}-${hi[$s.anchor]})"
		fi
		echo "| $s: $(shape_desc $s) | ${shape_entries[$s]} | $(awk -v b="${shape_bytes[$s]}" 'BEGIN { printf "%.2f GiB", b / 2^30 }') | ${med[$s.raw.b]} | ${med[$s.raw.a]} | $(fmt "${ratio[$s.raw]}") (${lo[$s.raw]}-${hi[$s.raw]}) | ${med[$s.qcow2.a]} | $(fmt "${ratio[$s.qcow2]}") (${lo[$s.qcow2]}-${hi[$s.qcow2]}) | $anc | $ar | $((rss[$s.raw.a] / 1024)) |"
	done
	echo
	echo "The anchor is mke2fs -t ext2 -o hurd -O ext_attr -d + qemu-img convert -O qcow2"
	echo "(Guix's pipeline), of the same size; on the flat tree it runs once (libext2fs"
	echo "1.47.0 adds entries to a large directory in quadratic time)."
	echo
	echo "## 2. Growth (goal 3)"
	echo
	echo "Raw images of whole directories of the generated tree (directories of 100"
	echo "files of 0-3,000 bytes, names like file-with-a-longish-name-042.txt); time"
	echo "and memory per entry less a run on an empty tree (${med[empty]} s, $((rss[empty] / 1024)) MiB)."
	echo "The largest and the smallest run alternately, and the time ratio of goal 3"
	echo "is the median of theirs per pair: $(fmt "$lin") ($lin_lo-$lin_hi)."
	echo
	echo "| Entries | Median s | µs per entry | Peak RSS MiB | bytes per entry |"
	echo "| ---: | ---: | ---: | ---: | ---: |"
	for size in $sizes; do
		awk -v n="${grow_n[$size]}" -v t="${grow_t[$size]}" -v m="${grow_m[$size]}" \
			-v t0="${med[empty]}" -v m0="${rss[empty]}" 'BEGIN {
			printf "| %d | %.2f | %.1f | %.0f | %.0f |\n", n, t, (t - t0) * 1e6 / n,
			       m / 1024, (m - m0) * 1024 / n }'
	done
	echo
	echo "## 3. Zero copy (goal 4)"
	echo
	if [ -n "${ratio[samefs]:-}" ]; then
		echo "- $tree with the image and tar's output on its own file system ($(df --output=fstype "$tree" | tail -1)): mkhurdimg raw ${med[samefs.a]} s, tar ${med[samefs.b]} s, ratio $(fmt "${ratio[samefs]}") (${lo[samefs]}-${hi[samefs]})."
	else
		echo "- $tree with the image on its own file system: not measured (no writable directory there)."
	fi
	if [ -n "${ratio[btrfs]:-}" ]; then
		echo "- $tree copied onto a loop-mounted btrfs, the image and tar's output beside it: mkhurdimg raw ${med[btrfs.a]} s, tar ${med[btrfs.b]} s, ratio $(fmt "${ratio[btrfs]}") (${lo[btrfs]}-${hi[btrfs]}); CPU (user + system, all threads) ${cpu[btrfs.a]} s and ${cpu[btrfs.b]} s."
		echo "- The image's exclusive bytes (btrfs filesystem du): $excl; the files' tails, each rounded up to 4 KiB: $tails; the file system's metadata (blocks in use less the files' blocks, and the 1 MiB before the partition): $meta; their sum plus 5%: $bound."
		if [ -n "${ratio[floor]:-}" ]; then
			echo "- The floor there (bench/btrfs-floor.c -g: walk, fstatat, xattrs listed, openat, reflink the whole blocks, tails batched, fstat, close, fsync; no ext2 at all), each against tar in its own pairs:"
			echo
			echo "  | Floor | s | tar s | ratio | CPU s |"
			echo "  | --- | ---: | ---: | --- | ---: |"
			for k in floor1 floor floor2; do
				case $k in
				floor1) d="one thread, one image" ;;
				floor) d="two threads, one image (-j)" ;;
				floor2) d="two threads, each its own image: no lock shared" ;;
				esac
				echo "  | $d | ${med[$k.a]} | ${med[$k.b]} | $(fmt "${ratio[$k]}") (${lo[$k]}-${hi[$k]}) | ${cpu[$k.a]} |"
			done
			echo
			echo "  Two images are no valid output: that row is what two cores could do at best,"
			echo "  with no lock on one image between the threads."
		else
			echo "- The floor: ${floor_note:-not measured}."
		fi
	else
		echo "- btrfs: $btrfs_note."
	fi
	echo
	echo "## 4. System calls (goal 5)"
	echo
	if [ -n "${calls[mk]:-}" ]; then
		n=${shape_entries[share]}
		echo "strace -f on $tree ($n entries), every call counted:"
		echo
		echo "| Program | Calls | Per entry | Most frequent |"
		echo "| --- | ---: | ---: | --- |"
		echo "| tar -cf | ${calls[tar]%% *} | $(per_entry "${calls[tar]}" "$n") | ${calls[tar]#* } |"
		[ -n "${calls[old]:-}" ] &&
			echo "| mkhurdimg before ($BENCH_BASELINE) | ${calls[old]%% *} | $(per_entry "${calls[old]}" "$n") | ${calls[old]#* } |"
		echo "| mkhurdimg raw | ${calls[mk]%% *} | $(per_entry "${calls[mk]}" "$n") | ${calls[mk]#* } |"
		echo
		echo "(syscall_0x1d1 is listxattrat, syscall_0x1d0 getxattrat: strace $(strace -V | head -1 | awk '{ print $NF }') has no names for them.)"
	else
		echo "Not measured: strace is missing."
	fi
	echo
	echo "## 5. Compression"
	echo
	echo "mkhurdimg qcow2 --compress ${med[compress.a]} s, $size_z bytes; qemu-img convert -c ${med[compress.b]} s, $size_c bytes (one pair)."
	echo
	echo "## Goals"
	echo
	echo "| Goal | Measured | Target | |"
	echo "| --- | --- | --- | --- |"
	for s in share small flat; do
		for f in raw qcow2; do
			echo "| 1. $s $f / tar | $(fmt "${ratio[$s.$f]}") | at most 1.2 | $(verdict "${ratio[$s.$f]}" '<=' 1.2 "$s.$f") |"
		done
	done
	for s in share flat; do
		echo "| 2. $s: anchor / qcow2 | $(fmt "${ratio[$s.anchor]}") | at least 4 | $(verdict "${ratio[$s.anchor]}" '>=' 4 "$s.anchor") |"
	done
	echo "| 2. small: mke2fs -d / raw | $(fmt "${ratio[small.mke2fs]}") | above 1 | $(verdict "${ratio[small.mke2fs]}" '>=' 1.0001 small.mke2fs) |"
	echo "| 3. peak RSS at ${grow_n[$last]} entries | $((grow_m[$last] / 1024)) MiB | at most 128 MiB | $(verdict "$((grow_m[$last] / 1024))" '<=' 128) |"
	linm=$(awk -v a="${grow_m[$first]}" -v na="${grow_n[$first]}" -v b="${grow_m[$last]}" \
		-v nb="${grow_n[$last]}" -v m0="${rss[empty]}" \
		'BEGIN { printf "%.2f", ((b - m0) / nb) / ((a - m0) / na) }')
	echo "| 3. time per entry, largest / smallest | $(fmt "$lin") ($lin_lo-$lin_hi) | linear: at most 1.2 | $(verdict "$lin" '<=' 1.2 grow) |"
	echo "| 3. memory per entry, largest / smallest | $linm | linear: at most 1.2 | $(verdict "$linm" '<=' 1.2) |"
	if [ -n "${ratio[btrfs]:-}" ]; then
		echo "| 4. btrfs: raw / tar | $(fmt "${ratio[btrfs]}") | at most 0.5 | $(verdict "${ratio[btrfs]}" '<=' 0.5 btrfs) |"
		echo "| 4. btrfs: exclusive bytes | $excl | at most $bound | $(verdict "$excl" '<=' "$bound") |"
		[ -n "${ratio[floor]:-}" ] &&
			echo "| 4. btrfs: the floor / tar (a reference, not a goal) | $(fmt "${ratio[floor]}"); one thread $(fmt "${ratio[floor1]}"); two images $(fmt "${ratio[floor2]}") | | the least work with the README's promises |"
	else
		echo "| 4. btrfs | not measured | | $btrfs_note |"
	fi
	if [ -n "${calls[mk]:-}" ]; then
		pm=$(per_entry "${calls[mk]}" "${shape_entries[share]}")
		pt=$(per_entry "${calls[tar]}" "${shape_entries[share]}")
		echo "| 5. calls per entry | $pm | at most tar's $pt + 3 | $(verdict "$pm" '<=' "$(awk -v t="$pt" 'BEGIN { print t + 3 }')") |"
	fi
} > "$out"
cat "$out"
