#!/bin/bash
# faults.sh -- a failed run leaves nothing behind, whatever fails.
#
# With tests/faults/faultinject.so (LD_PRELOAD), for hurd-raw and
# hurd-qcow2:
#  * the Nth write/pwrite/fsync/rename/copy_file_range/FICLONERANGE on
#    the output's directory fails with EIO, ENOSPC, EDQUOT or EFBIG, swept
#    over N: each run either fails with status 1 and a message naming the
#    image, leaving the previous image as it was and no temporary file, or
#    (a fault that does not matter, such as the directory's fsync after
#    the rename, or an EIO the read/write path recovers from) succeeds
#    with the same bytes as a clean run;
#  * an input file is truncated, removed, grown or rewritten between the
#    scan and the copy, or during the copy (by copy_file_range, a reflink
#    or pread), or an archive between its two reads: status 1 and a
#    message naming it, nothing left behind;
#  * a scanned file is looked at once by the scan (fstatat relative to
#    its directory) and opened once for its bytes (openat), never by path;
#  * on a kernel without listxattrat/getxattrat (ENOSYS, or EPERM from a
#    seccomp filter), xattrs are read by path: the same image;
#  * the raw image's data goes through copy_file_range, and when the
#    kernel refuses (EXDEV, EOPNOTSUPP, no reflinks) or copies nothing or
#    less, the read/write path does the rest: the same bytes every time,
#    with one thread or more, and the same disk as the qcow2 image
#    (qemu-img compare); small files read are written together, in far
#    fewer writes than files; with reflinks (the shim's emulated
#    FICLONERANGE) whole blocks are cloned and, once a clone has worked,
#    the files' last partial blocks written together instead of by
#    copy_file_range: the same bytes;
#  * on a build of 120 MB of data the output's writeback is started
#    (sync_file_range) several times, and that call failing changes
#    nothing: status 0, the same image;
# and without it:
#  * SIGKILL at points spread over a build leaves the target either as it
#    was or complete, and at most a temporary file named
#    .TARGET.mkhurdimg-PID.XXXXXX, which the next run removes;
#  * SIGINT, SIGTERM and SIGHUP remove the temporary file, and say on one
#    line that the run was stopped and what, if anything, was written;
#  * a temporary file is another run's as long as that run holds its lock,
#    whatever its PID says: one locked by a process of another PID
#    namespace (a CI container sharing the directory) is left alone, and a
#    run there does not break a live run here; an unlocked one is stale
#    even when its PID is alive;
#  * a symlink at the target is replaced, not followed.
. "$(dirname "$0")/lib.sh"
shim=$top_builddir/tests/faults/faultinject.so
[ -r "$shim" ] || skip "$shim not built (make check builds it)"
# A sanitizer build wants its runtime first; the shim has none of its own.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export SOURCE_DATE_EPOCH=1700000000
workdir

mkdir -p root/boot root/hurd root/lib out
printf 'not really GNU Mach\n' > root/boot/gnumach.gz
for s in ext2fs.static exec.static exec; do echo "$s stand-in" > "root/hurd/$s"; done
echo 'ld.so stand-in' > root/lib/ld.so.1
head -c 300000 /dev/urandom > root/data
ln -s data root/link
printf 'directory "root" { target = "/" }\n' > os.conf
outdir=$PWD/out

leftovers() { (cd out && ls -A | grep -v -x -e ref.img -e x.img | tr '\n' ' '); }

run_fault() {	# TYPE CALL N ERRNO
	printf 'previous image\n' > out/x.img
	err=$(FAULT_DIR=$outdir FAULT_CALL=$2 FAULT_N=$3 FAULT_ERRNO=$4 \
		LD_PRELOAD=$shim "$MKHURDIMG" -q -t "$1" -o out/x.img os.conf 2>&1)
	rc=$?
	left=$(leftovers)
	if [ -n "$left" ]; then
		bad "$1 $2 #$3 $4: left $left"
		rm -f out/.x.img.*
	elif [ $rc = 0 ]; then
		cmp -s out/x.img out/ref.img || bad "$1 $2 #$3 $4: exit 0 but the image differs from a clean run"
		harmless=$((harmless + 1))
	elif [ $rc != 1 ]; then
		bad "$1 $2 #$3 $4: exit $rc, want 1 ($err)"
	elif ! printf 'previous image\n' | cmp -s - out/x.img; then
		bad "$1 $2 #$3 $4: the previous image was changed"
	elif ! printf '%s\n' "$err" | grep -Eqx "mkhurdimg: out/x\.img: [a-z ]+: ($5)"; then
		bad "$1 $2 #$3 $4: message [$err]"
	else
		failed=$((failed + 1))
	fi
}

# count CALL [FILE]: the shim's count of CALL in FILE (default counts),
# as FAULT_COUNT wrote it.
count() { awk -v c="$1" '$1 == c { print $2 }' "${2:-counts}"; }

# N to try out of TOTAL calls: all of a few, else the first three, thirty
# spread between and the last.
points() {
	local total=$1 i
	if [ "$total" -le 16 ]; then seq 1 "$total"; return; fi
	{ seq 1 3; for i in $(seq 1 30); do echo $((3 + i * (total - 4) / 31)); done; echo "$total"; } | sort -nu
}

errnos=(EIO ENOSPC EDQUOT EFBIG)
declare -A text=([EIO]='Input/output error' [ENOSPC]='No space left on device'
	[EDQUOT]='Disk quota exceeded' [EFBIG]='File too large')
for type in hurd-raw hurd-qcow2; do
	"$MKHURDIMG" -q -t $type -o out/ref.img os.conf || bad "$type: a clean build failed"
	FAULT_DIR=$outdir FAULT_COUNT=$PWD/counts LD_PRELOAD=$shim \
		"$MKHURDIMG" -q -t $type -o out/x.img os.conf || bad "$type: counting run failed"
	cmp -s out/x.img out/ref.img || bad "$type: the shim alone changed the image"
	failed=0 harmless=0 k=0
	for call in write pwrite fsync rename copy_file_range clone; do
		total=$(count $call)
		for n in $(points "$total"); do
			e=${errnos[$((k % 4))]}
			k=$((k + 1))
			run_fault $type $call "$n" "$e" "${text[$e]}"
		done
	done
	ok "$type: $(tr '\n' ' ' < counts)calls; $k faults injected: $failed failed cleanly, $harmless harmless (same image)"
	[ "$failed" -gt 10 ] || bad "$type: only $failed runs failed; is the shim working?"
	rm -f out/x.img
done

# ---- inputs that change under the build ----
declare -A want=(
	[truncate]='changed while the image was built (was SIZE bytes)'
	[remove]='disappeared while the image was built'
	[grow-after]='changed while the image was built (was SIZE bytes)'
	[rewrite-after]='changed while the image was built (was SIZE bytes)'
	[rewrite-during]='changed while the image was built (was SIZE bytes)')
cp -p root/data data.orig
# The raw image takes the file's bytes in the kernel, the qcow2 image
# reads them (a helper reads a small file ahead of the writer, the writer
# a large one): every path must see the change.
head -c 3000 /dev/urandom > root/small
cp -p root/small small.orig
for case in hurd-raw:data hurd-qcow2:data hurd-qcow2:small; do
	type=${case%:*} f=${case#*:}
	size=$(stat -c %s "$f.orig")
	FAULT_DIR=$outdir FAULT_MUTATE=$PWD/root/$f FAULT_COUNT=$PWD/counts \
		LD_PRELOAD=$shim "$MKHURDIMG" -q -t $type -o out/x.img os.conf ||
		bad "$type: counting run failed"
	if [ "$(count fstatat)" = 1 ] && [ "$(count open)" = 1 ] && [ "$(count path)" = 0 ]; then
		ok "$type: root/$f looked at once by the scan (fstatat), opened once (openat), never by path"
	else
		bad "$type: root/$f: $(tr '\n' ' ' < counts)"
	fi
	if [ $type = hurd-raw ] && ! [ "$(count copy_file_range)" -gt 0 ]; then
		bad "$type: no copy_file_range into the image: $(tr '\n' ' ' < counts)"
	fi
	for act in truncate remove grow-after rewrite-after rewrite-during; do
		cp -p $f.orig root/$f
		printf 'previous image\n' > out/x.img
		err=$(FAULT_MUTATE=$PWD/root/$f FAULT_ACTION=$act LD_PRELOAD=$shim \
			"$MKHURDIMG" -q -t $type -o out/x.img os.conf 2>&1)
		rc=$?
		if [ $rc = 1 ] && [ "$err" = "mkhurdimg: root/$f: the file ${want[$act]/SIZE/$size}" ] &&
			printf 'previous image\n' | cmp -s - out/x.img && [ -z "$(leftovers)" ]; then
			ok "$type: root/$f: input $act: refused, nothing left"
		else
			bad "$type: root/$f: input $act: exit $rc, [$err], left [$(leftovers)]"
		fi
	done
	cp -p $f.orig root/$f
done
rm -f root/small

# ---- the kernel's copy and its fallbacks ----
# Every shape of file data: empty, a byte, around a block, a megabyte and
# a byte, holes before, between and after data, all hole.
mkdir -p root/shapes
for s in 0 1 4095 4096 4097 1048577; do head -c $s /dev/urandom > root/shapes/size-$s; done
truncate -s 3M root/shapes/holes
printf middle | dd of=root/shapes/holes bs=1 seek=1500000 conv=notrunc status=none
printf end | dd of=root/shapes/holes bs=1 seek=3000000 conv=notrunc status=none
truncate -s 1M root/shapes/all-hole
# Many small files, which the read/write path gathers into few writes,
# and among them some too large to be gathered (over 64 KiB).
mkdir root/shapes/many
nsmall=400
awk -v n=$nsmall 'BEGIN { srand(7); for (i = 0; i < n; i++)
	print i, (i % 50 == 25 ? 65535 + i % 3 : int(rand() * 9000)) }' |
	while read -r i s; do head -c "$s" /dev/urandom > root/shapes/many/f$i; done
FAULT_DIR=$outdir FAULT_COUNT=$PWD/counts.ref LD_PRELOAD=$shim \
	"$MKHURDIMG" -q -t hurd-raw -o out/ref.img os.conf || bad "shapes: a clean raw build failed"
"$MKHURDIMG" -q -t hurd-qcow2 -o out/ref.qcow2 os.conf || bad "shapes: a clean qcow2 build failed"
if command -v qemu-img >/dev/null; then
	qemu-img compare -q out/ref.img out/ref.qcow2 &&
		ok "the raw image (kernel copies) and the qcow2 image (read and written) hold the same disk" ||
		bad "raw and qcow2 images differ: $(qemu-img compare out/ref.img out/ref.qcow2 2>&1 | head -1)"
fi
for how in exdev eopnotsupp zero short; do
	rm -f out/x.img
	FAULT_DIR=$outdir FAULT_CFR=$how FAULT_CLONE=eopnotsupp FAULT_COUNT=$PWD/counts \
		LD_PRELOAD=$shim "$MKHURDIMG" -q -t hurd-raw -o out/x.img os.conf ||
		bad "copy_file_range $how: the build failed"
	n=$(count copy_file_range)
	if [ "${n:-0}" -gt 0 ] && cmp -s out/x.img out/ref.img; then
		ok "copy_file_range $how ($n calls): read and written instead, the same bytes"
	else
		bad "copy_file_range $how: $n calls, image $(cmp out/x.img out/ref.img 2>&1)"
	fi
	[ $how = exdev ] || continue
	# The clean build copies every file in the kernel: its writes are
	# the metadata's.  Here each file is read, and the small ones written
	# together: far fewer writes than files.
	extra=$(($(count pwrite) - $(count pwrite counts.ref)))
	rw_writes=$extra
	if [ $extra -gt 0 ] && [ $((extra * 4)) -lt $nsmall ]; then
		ok "copy_file_range exdev: $nsmall small files written in $extra writes"
	else
		bad "copy_file_range exdev: $extra writes for $nsmall small files"
	fi
done
# One thread: the writer copies, and its last batch is written at the end.
rm -f out/x.img
FAULT_DIR=$outdir FAULT_CFR=exdev FAULT_CLONE=eopnotsupp LD_PRELOAD=$shim \
	"$MKHURDIMG" -q --threads 1 -t hurd-raw -o out/x.img os.conf &&
	cmp -s out/x.img out/ref.img && ok "copy_file_range exdev, one thread: the same bytes" ||
	bad "copy_file_range exdev, one thread: the image differs"
for how in exdev einval; do
	rm -f out/x.img
	FAULT_DIR=$outdir FAULT_CLONE=$how LD_PRELOAD=$shim \
		"$MKHURDIMG" -q -t hurd-raw -o out/x.img os.conf &&
		cmp -s out/x.img out/ref.img && ok "FICLONERANGE $how: copied instead, the same bytes" ||
		bad "FICLONERANGE $how: the image differs"
done
# Without reflinks (this directory's file system, unless it is btrfs or
# XFS), every file with data is copied by copy_file_range, its last
# partial block too.
fstype=$(stat -f -c %T .)
withdata=$(find root -type f ! -size 0 | wc -l)
cfr=$(count copy_file_range counts.ref)
case $fstype in
btrfs | xfs) echo "note: $fstype here: the clean build shares blocks; not counted" ;;
*)
	[ "$cfr" -ge "$withdata" ] &&
		ok "no reflinks ($fstype): $cfr copy_file_range for $withdata files with data" ||
		bad "no reflinks ($fstype): $cfr copy_file_range for $withdata files with data"
	;;
esac
# With reflinks (emulated: the shim copies what a reflink would share),
# each file's whole blocks are cloned, and once a clone has worked, its
# last partial block goes to the batch: copy_file_range only for the
# files before that (with one thread, the small files ahead of the first
# one with a whole block; a few more with helper threads, which learn it
# a run of jobs later), the same bytes.  With one thread the batches are the
# writer's alone, so their count is exact: at most one write more per
# cloned file than the read/write path needs (a clone between two tails
# parts them), and fewer than one per tail.
tails=$(find root -type f ! -size 0 -printf '%s\n' | awk '$1 % 4096 { n++ } END { print n }')
for threads in 2 1; do
	rm -f out/x.img
	FAULT_DIR=$outdir FAULT_CLONE=emulate FAULT_COUNT=$PWD/counts LD_PRELOAD=$shim \
		"$MKHURDIMG" -q --threads $threads -t hurd-raw -o out/x.img os.conf ||
		bad "reflinks, --threads $threads: the build failed"
	clones=$(count clone)
	cfr=$(count copy_file_range)
	extra=$(($(count pwrite) - $(count pwrite counts.ref)))
	if cmp -s out/x.img out/ref.img && [ "$clones" -gt 0 ] && [ $((cfr * 5)) -lt "$tails" ] &&
		{ [ $threads != 1 ] || { [ "$cfr" -gt 0 ] && [ $((cfr * 20)) -lt "$tails" ] &&
			[ $extra -le $((rw_writes + clones)) ] && [ $extra -lt "$tails" ]; }; }; then
		ok "reflinks, --threads $threads: $clones clones, $cfr copy_file_range, $tails tails in $extra writes, the same bytes"
	else
		bad "reflinks, --threads $threads: $clones clones, $cfr copy_file_range, $tails tails in $extra writes (read/write path: $rw_writes), image $(cmp out/x.img out/ref.img 2>&1)"
	fi
done
rm -rf root/shapes out/ref.qcow2
# ---- kernels without the *xattrat calls (before 6.13, or a seccomp
# filter that refuses them): xattrs are read by path instead, the same ----
mkdir -p root/xa/dir && echo x > root/xa/file
if setfattr -n user.mkhurdimg -v on-a-file root/xa/file 2>/dev/null &&
	setfattr -n user.mkhurdimg -v on-a-dir root/xa/dir 2>/dev/null; then
	"$MKHURDIMG" -q -t hurd-raw -o out/ref.img os.conf || bad "xattrs: a clean build failed"
	dd if=out/ref.img of=xa.part bs=1M skip=1 status=none
	xa=$(for f in file dir; do debugfs -R "ea_get /xa/$f user.mkhurdimg" xa.part 2>/dev/null |
		sed -n 's/.* = "\(.*\)".*/\1/p'; done | tr '\n' ' ')
	[ "$xa" = "on-a-file on-a-dir " ] || bad "xattrs: the clean image holds [$xa]"
	for e in enosys eperm; do
		rm -f out/x.img
		FAULT_NO_XATTRAT=$e LD_PRELOAD=$shim "$MKHURDIMG" -q -t hurd-raw -o out/x.img os.conf &&
			cmp -s out/x.img out/ref.img &&
			ok "no listxattrat/getxattrat ($e): xattrs read by path, the same bytes ($xa)" ||
			bad "no *xattrat ($e): the image differs"
	done
else
	echo "note: no user xattrs here; the path fallback is not tested"
fi
rm -rf root/xa
# An archive is read twice (headers, then contents as they are written).
mkdir -p extra/opt && head -c 100000 /dev/urandom > extra/opt/blob
tar -C extra -cf extra.tar opt
printf 'directory "root" { target = "/" }\narchive "extra.tar" { target = "/" }\n' > arch.conf
printf 'previous image\n' > out/x.img
err=$(FAULT_MUTATE=$PWD/extra.tar FAULT_ACTION=touch-after FAULT_MUTATE_AT=1 \
	LD_PRELOAD=$shim "$MKHURDIMG" -q -o out/x.img arch.conf 2>&1)
rc=$?
if [ $rc = 1 ] && [ "$err" = "mkhurdimg: extra.tar: the archive changed while the image was built" ] &&
	printf 'previous image\n' | cmp -s - out/x.img && [ -z "$(leftovers)" ]; then
	ok "archive rewritten between its two reads: refused, nothing left"
else
	bad "archive rewritten: exit $rc, [$err], left [$(leftovers)]"
fi

# ---- signals ----
head -c 120000000 /dev/urandom > root/big
"$MKHURDIMG" -q -o out/ref.img os.conf || bad "big clean build failed"
# The output's writeback is started every 32 MiB during the build; a
# failure there is none of the build's (the fsync reports real ones).
FAULT_DIR=$outdir FAULT_COUNT=$PWD/counts LD_PRELOAD=$shim \
	"$MKHURDIMG" -q -o out/x.img os.conf || bad "big counting run failed"
sfr=$(count sync_file_range)
[ "${sfr:-0}" -ge 3 ] && ok "120 MB of data: writeback started $sfr times during the build" ||
	bad "120 MB of data: writeback started ${sfr:-0} times (want at least 3)"
for n in 1 "${sfr:-1}"; do
	FAULT_DIR=$outdir FAULT_CALL=sync_file_range FAULT_N=$n FAULT_ERRNO=EIO \
		LD_PRELOAD=$shim "$MKHURDIMG" -q -o out/x.img os.conf &&
		cmp -s out/x.img out/ref.img && [ -z "$(leftovers)" ] &&
		ok "sync_file_range #$n failing (EIO): the build goes on, the same image" ||
		bad "sync_file_range #$n failing (EIO): the build failed or the image differs"
done
# The quickest of three builds: a signal sent at a share of a slow one
# could come after the end of a quick one.
ms=
for i in 1 2 3; do
	t0=$(date +%s%N)
	"$MKHURDIMG" -q -o out/x.img os.conf
	t=$((($(date +%s%N) - t0) / 1000000))
	[ -z "$ms" ] || [ "$t" -lt "$ms" ] && ms=$t
done
ok "a build of the big tree takes $ms ms"
for pct in 5 10 20 30 45 60; do
	printf 'previous image\n' > out/x.img
	"$MKHURDIMG" -q -o out/x.img os.conf &
	pid=$!
	sleep "$(awk -v ms=$ms -v p=$pct 'BEGIN { printf "%.3f", ms * p / 100000 }')"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	left=$(leftovers)
	if printf 'previous image\n' | cmp -s - out/x.img; then state=previous
	elif cmp -s out/x.img out/ref.img; then state=complete
	else state=BROKEN; fi
	case $left in
	'' | ".x.img.mkhurdimg-$pid."??????" ") ;;
	*) state="$state, stray [$left]" ;;
	esac
	[ "$state" = previous ] || [ "$state" = complete ] ||
		bad "SIGKILL at $pct%: $state"
	"$MKHURDIMG" -q -o out/x.img os.conf || bad "the run after SIGKILL failed"
	cmp -s out/x.img out/ref.img && [ -z "$(leftovers)" ] ||
		bad "the run after SIGKILL at $pct% left [$(leftovers)] or a different image"
	ok "SIGKILL at $pct%: target $state, temporary [${left% }] removed by the next run"
done
# Each signal while the shim holds the run in the middle of writing the
# image (at the open of root/data, to copy it): an event, not a guess at
# this machine's speed.  With --depfile, the depfile is in place by then.
mkdir -p pause
paused_run() {	# SIGNAL ARGS...: run, pause mid-image, send SIGNAL; sets rc
	local sig=$1 pid
	shift
	rm -f pause/paused pause/resume
	printf 'previous image\n' > out/x.img
	FAULT_MUTATE=$PWD/root/data FAULT_ACTION=pause FAULT_PAUSE=$PWD/pause LD_PRELOAD=$shim \
		"$MKHURDIMG" -q "$@" -o out/x.img os.conf 2> sig.err &
	pid=$!
	for _ in $(seq 3000); do
		[ -e pause/paused ] || ! kill -0 $pid 2>/dev/null && break
		sleep 0.05
	done
	kill -"$sig" $pid
	wait $pid
	rc=$?
}
declare -A said=([INT]=interrupted [TERM]=terminated [HUP]='hung up')
declare -A num=([INT]=2 [TERM]=15 [HUP]=1)
for sig in INT TERM HUP; do
	rm -f out/x.img.d
	paused_run $sig --depfile out/x.img.d
	want="mkhurdimg: ${said[$sig]}; out/x.img.d was written, out/x.img was not"
	if [ $rc = $((128 + num[$sig])) ] && printf 'previous image\n' | cmp -s - out/x.img &&
		[ -e out/x.img.d ] && [ -z "$(leftovers | sed 's/x\.img\.d //')" ] &&
		[ "$(cat sig.err)" = "$want" ]; then
		ok "SIG$sig: killed (status $rc), previous image kept, no temporary file: $want"
	else
		bad "SIG$sig: status $rc, left [$(leftovers)], said [$(cat sig.err)], want [$want]"
	fi
done
rm -f out/x.img.d
paused_run INT
[ $rc = 130 ] && [ "$(cat sig.err)" = "mkhurdimg: interrupted; nothing was written" ] &&
	printf 'previous image\n' | cmp -s - out/x.img && [ -z "$(leftovers)" ] &&
	ok "SIGINT in the middle of the image, no depfile: $(cat sig.err)" ||
	bad "SIGINT in the middle of the image: status $rc, said [$(cat sig.err)], left [$(leftovers)]"

# ---- whose temporary file is it: its lock says, not its PID ----
# A process that holds a lock on a temporary file is a live run, even
# with a PID this namespace does not have; python3's lockf stands for it.
gone=$(sh -c 'echo $$')	# a PID that has just ended
if command -v python3 >/dev/null; then
	foreign=out/.x.img.mkhurdimg-$gone.AbCdEf
	head -c 4096 /dev/urandom > "$foreign"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+b"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(120)' "$foreign" > lock.out &
	holder=$!
	for _ in $(seq 100); do [ -s lock.out ] && break; sleep 0.1; done
	"$MKHURDIMG" -q -o out/x.img os.conf || bad "a build next to a locked temporary file failed"
	[ -e "$foreign" ] && ok "a locked temporary file of a PID not seen here is left alone" ||
		bad "a live run's temporary file (locked, PID $gone not seen here) was removed"
	kill $holder; wait $holder 2>/dev/null
	"$MKHURDIMG" -q -o out/x.img os.conf || bad "a build next to an unlocked temporary file failed"
	[ ! -e "$foreign" ] && ok "once unlocked, it is stale: removed by the next run" ||
		bad "an unlocked temporary file was kept"
	rm -f "$foreign"
fi
stale=out/.x.img.mkhurdimg-$$.GhIjKl
echo left > "$stale"
"$MKHURDIMG" -q -o out/x.img os.conf || bad "a build next to a stale temporary file failed"
[ ! -e "$stale" ] && ok "an unlocked temporary file is stale even though its PID ($$) is alive: removed" ||
	{ bad "an unlocked temporary file with a live PID was kept"; rm -f "$stale"; }
# The real thing: a run in another PID namespace (unshare -p, where this
# run's PID does not exist) while a run here is paused by the shim in the
# middle of writing its image (at the open of root/data, to copy it).
if unshare -rpf true 2>/dev/null; then
	printf 'previous image\n' > out/x.img
	mkdir -p pause && rm -f pause/paused pause/resume
	FAULT_MUTATE=$PWD/root/data FAULT_ACTION=pause FAULT_PAUSE=$PWD/pause LD_PRELOAD=$shim \
		"$MKHURDIMG" -q -o out/x.img os.conf 2> long.err &
	pid=$!
	for _ in $(seq 600); do [ -e pause/paused ] && break; sleep 0.05; done
	[ -e pause/paused ] && [ -n "$(leftovers)" ] || bad "the paused run has no temporary file: [$(leftovers)]"
	unshare -rpf "$MKHURDIMG" -q -o out/x.img os.conf || bad "the run in another PID namespace failed"
	touch pause/resume
	wait $pid
	rc=$?
	[ $rc = 0 ] && cmp -s out/x.img out/ref.img && [ -z "$(leftovers)" ] &&
		ok "a run in another PID namespace leaves a live run's temporary file alone: both succeed" ||
		bad "the live run, with another run in another PID namespace: status $rc, $(cat long.err)"
else
	echo "  note: unshare -rpf is not permitted here: no run in another PID namespace"
fi
rm -f root/big

# ---- a symlink at the target is replaced, not followed ----
printf 'victim\n' > victim
ln -sf ../victim out/x.img
"$MKHURDIMG" -q -o out/x.img os.conf || bad "build over a symlink failed"
if [ ! -L out/x.img ] && [ "$(cat victim)" = victim ]; then
	ok "a symlink at the target is replaced; what it pointed to is untouched"
else
	bad "the symlink at the target was followed"
fi
[ $fails = 0 ]
