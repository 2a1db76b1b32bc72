#!/bin/bash
# run.sh -- the mkhurdimg benchmark (make bench).
#
# Usage: bench/run.sh [TREE] [REPS]      (default /usr/share, 3)
#
# On one input tree, in one run, after a warm-up, REPS times each and the
# median of each taken with /usr/bin/time -v:
#   1. tar -cf of the tree into one file: the limit (one sequential file)
#   2. mke2fs -t ext2 -o hurd -O ext_attr -d TREE, same size as ours
#   3. step 2 plus qemu-img convert -O qcow2: Guix's pipeline
#   4. mkhurdimg raw, 5. mkhurdimg qcow2,
#   6. mkhurdimg qcow2 --compress beside qemu-img convert -c -O qcow2
# with the ratios, peak RSS and image sizes; then mkhurdimg raw on 1/4,
# 1/2 and all of the tree for the time per GiB and per 10,000 files.
# Everything is written under $BENCH_DIR (default /dev/shm if it exists,
# so the disk does not decide) and bench/RESULTS.md is rewritten.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/..}
top_builddir=${top_builddir:-$here/..}
MKHURDIMG=${MKHURDIMG:-$top_builddir/src/mkhurdimg}
tree=${1:-/usr/share}
reps=${2:-3}
out=${BENCH_OUT:-$top_srcdir/bench/RESULTS.md}
base=${BENCH_DIR:-$([ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")}
work=$(mktemp -d "$base/mkhurdimg-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
for p in /usr/bin/time mke2fs qemu-img tar; do
	command -v "$p" >/dev/null || { echo "bench: $p is needed" >&2; exit 1; }
done
[ -d "$tree" ] || { echo "bench: $tree is not a directory" >&2; exit 1; }

# A config for TREE (stand-in kernel and servers: this measures the file
# system, not the boot).
"$top_srcdir/examples/make-demo-root.sh" "$work/boot-root" >/dev/null
conf() { # FILE TREE...
	local f=$1
	shift
	{
		printf 'translators = "none"\nregister-store = false\n'
		printf 'directory "%s" { }\n' "$work/boot-root"
		for t in "$@"; do printf 'directory "%s" { target = "/data%s" }\n' "$t" "$t"; done
	} > "$f"
}

# measure NAME CMD...: median seconds and peak RSS over REPS runs.
declare -A secs rss
measure() {
	local name=$1 i t m ts=() ms=()
	shift
	"$@" >/dev/null 2>&1	# warm-up
	for ((i = 0; i < reps; i++)); do
		/usr/bin/time -v -o "$work/time" "$@" >/dev/null 2>&1 || { echo "bench: $name failed" >&2; }
		t=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time" |
			awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
		m=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
		ts+=("$t")
		ms+=("$m")
	done
	secs[$name]=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	rss[$name]=$(printf '%s\n' "${ms[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "bench: $name: ${secs[$name]} s, ${rss[$name]} KiB" >&2
}

conf "$work/all.conf" "$tree"
mk() { "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" "$@"; }
mk -t hurd-raw -o "$work/ours.img" "$work/all.conf" || exit 1
fs_bytes=$(( $(stat -c %s "$work/ours.img") - 1048576 ))
files=$(find "$tree" | wc -l)
bytes=$(du -sb "$tree" | cut -f1)

measure tar tar -cf "$work/out.tar" -C "$tree" .
measure mke2fs sh -c "rm -f '$work/p.img'; mke2fs -q -F -t ext2 -o hurd -O ext_attr -d '$tree' '$work/p.img' $((fs_bytes / 1024))k"
measure anchor sh -c "rm -f '$work/p.img' '$work/p.qcow2'; mke2fs -q -F -t ext2 -o hurd -O ext_attr -d '$tree' '$work/p.img' $((fs_bytes / 1024))k && qemu-img convert -O qcow2 '$work/p.img' '$work/p.qcow2'"
measure raw "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw -o "$work/r.img" "$work/all.conf"
measure qcow2 "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-qcow2 -o "$work/q.qcow2" "$work/all.conf"
measure compress "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-qcow2 --compress -o "$work/z.qcow2" "$work/all.conf"
measure qemuc qemu-img convert -c -O qcow2 "$work/r.img" "$work/c.qcow2"
size_z=$(stat -c %s "$work/z.qcow2")
size_c=$(stat -c %s "$work/c.qcow2")
size_q=$(stat -c %s "$work/q.qcow2")

# Growth: 1/4, 1/2 and all of the tree.  The shares are every 4th and
# every 2nd file of the sorted tree, copied (cpio -p) under $base, so
# bytes and entries both shrink with the share; each time less a run on
# an empty tree, as the fixed cost of a run (grub-mkimage, GRUB's
# modules) is not growth.
conf "$work/empty.conf"
measure empty "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw -o "$work/s.img" "$work/empty.conf"
t0=${secs[empty]}
scale_rows=""
for frac in 4 2 1; do
	share=$tree
	if [ "$frac" != 1 ]; then
		share=$work/share$frac
		(cd "$tree" && find . ! -type d -print0 | LC_ALL=C sort -z |
			awk -v RS='\0' -v ORS='\0' -v f="$frac" 'NR % f == 1 || f == 1' |
			cpio -0 -pdm --quiet "$share" 2>/dev/null)
	fi
	conf "$work/part$frac.conf" "$share"
	measure "part$frac" "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw -o "$work/s.img" "$work/part$frac.conf"
	n=$(find "$share" | wc -l)
	sum=$(du -sb "$share" | cut -f1)
	t=${secs[part$frac]}
	scale_rows+=$(awk -v f="$frac" -v b="$sum" -v n="$n" -v t="$t" -v t0="$t0" \
		-v r="${rss[part$frac]}" 'BEGIN {
		printf "| 1/%d | %.2f GiB | %d | %.2f | %.2f | %.2f | %.0f |\n", f, b / 2^30, n, t,
		       (t - t0) / (b / 2^30), (t - t0) / (n / 10000), r / 1024 }')
	scale_rows+=$'\n'
	[ "$share" = "$tree" ] || rm -rf "$share"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
	echo "# mkhurdimg benchmark"
	echo
	echo "Written by bench/run.sh on $(date -u +%Y-%m-%d); medians of $reps runs after a warm-up,"
	echo "timed with /usr/bin/time -v, files under $base."
	echo
	echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 2^20 }' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1)"
	echo "- System: $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r); e2fsprogs $(mke2fs -V 2>&1 | head -1 | awk '{ print $2 }'), $(qemu-img --version | head -1)"
	echo "- Input: $tree, $(awk -v b="$bytes" 'BEGIN { printf "%.2f GiB", b / 2^30 }') in $files files and directories; file system $((fs_bytes >> 20)) MiB"
	echo
	echo "| Step | Median s | Peak RSS MiB | Output |"
	echo "| --- | ---: | ---: | --- |"
	echo "| 1. tar -cf (the limit) | ${secs[tar]} | $((rss[tar] / 1024)) | one tar file |"
	echo "| 2. mke2fs -d (anchor's file system) | ${secs[mke2fs]} | $((rss[mke2fs] / 1024)) | raw |"
	echo "| 3. mke2fs -d + qemu-img convert (anchor) | ${secs[anchor]} | $((rss[anchor] / 1024)) | qcow2 |"
	echo "| 4. mkhurdimg raw | ${secs[raw]} | $((rss[raw] / 1024)) | raw disk |"
	echo "| 5. mkhurdimg qcow2 | ${secs[qcow2]} | $((rss[qcow2] / 1024)) | $size_q bytes |"
	echo "| 6a. mkhurdimg qcow2 --compress | ${secs[compress]} | $((rss[compress] / 1024)) | $size_z bytes |"
	echo "| 6b. qemu-img convert -c -O qcow2 | ${secs[qemuc]} | $((rss[qemuc] / 1024)) | $size_c bytes |"
	echo
	echo "| Ratio | Value | Target |"
	echo "| --- | ---: | --- |"
	echo "| mkhurdimg raw / tar | $(ratio "${secs[raw]}" "${secs[tar]}") | at most 2.0 |"
	echo "| mkhurdimg qcow2 / tar | $(ratio "${secs[qcow2]}" "${secs[tar]}") | at most 2.0 |"
	echo "| anchor / mkhurdimg qcow2 | $(ratio "${secs[anchor]}" "${secs[qcow2]}") | at least 4 |"
	echo "| qcow2 / raw | $(ratio "${secs[qcow2]}" "${secs[raw]}") | at most 1.10 |"
	echo "| --compress / qemu-img convert -c (time) | $(ratio "${secs[compress]}" "${secs[qemuc]}") | at most 1.0 |"
	echo "| --compress / qemu-img convert -c (size) | $(ratio "$size_z" "$size_c") | at most 1.05 |"
	echo "| peak RSS of mkhurdimg (MiB) | $((rss[qcow2] / 1024)) | below 128 |"
	echo
	echo "Growth (mkhurdimg raw; per GiB and per 10,000 entries less the $t0 s of a run on an empty tree):"
	echo
	echo "| Share | Bytes | Entries | Median s | s per GiB | s per 10,000 entries | Peak RSS MiB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	printf '%s' "$scale_rows"
} > "$out"
cat "$out"
