/* faultinject.c - an LD_PRELOAD shim that makes one system call fail, or
 * changes an input file under mkhurdimg's feet, for tests/integration/
 * faults.sh.
 *
 *   FAULT_DIR=DIR        only calls on files in DIR count (the output's
 *                        directory: stderr and the inputs are left alone)
 *   FAULT_CALL=NAME      write, pwrite, fsync, rename, copy_file_range,
 *                        clone (ioctl FICLONERANGE) or sync_file_range ...
 *   FAULT_N=N            the Nth such call fails ...
 *   FAULT_ERRNO=NAME     ... with EIO, ENOSPC, EDQUOT or EFBIG
 *   FAULT_COUNT=FILE     instead, count the calls and write one line
 *                        "NAME N" per kind at exit
 *   FAULT_CFR=HOW        every copy_file_range into DIR fails with EXDEV
 *                        (exdev) or EOPNOTSUPP (eopnotsupp), returns 0
 *                        (zero), or copies half of what it is asked
 *                        (short): the writer must fall back
 *   FAULT_CLONE=HOW      every FICLONERANGE into DIR fails with EOPNOTSUPP
 *                        (eopnotsupp), EXDEV (exdev) or EINVAL (einval),
 *                        or (emulate) succeeds as on a file system with
 *                        reflinks: whole 4 KiB blocks only (EINVAL for
 *                        any other range), their bytes copied here
 *   FAULT_MUTATE=PATH    at the Kth open of PATH (FAULT_MUTATE_AT, default
 *                        the last one FAULT_COUNT saw: give it) do
 *   FAULT_ACTION=ACT     truncate (to half), remove, grow-after (append
 *                        once the caller has it open), rewrite-after (same
 *                        size, new bytes and time, once open),
 *                        rewrite-during (the same, at the caller's first
 *                        read of it, pread, copy_file_range or clone:
 *                        while it is being copied),
 *                        touch-after (only a new mtime, once open),
 *                        pause (create FAULT_PAUSE/paused, then wait
 *                        until FAULT_PAUSE/resume exists: a window in
 *                        the middle of a build, for another run)
 *   FAULT_NO_XATTRAT=E   the *xattrat system calls (Linux 6.13) fail
 *                        with ENOSYS (enosys, a kernel without them) or
 *                        EPERM (eperm, a seccomp filter that does not
 *                        know them), as mkhurdimg calls them: syscall()
 * FAULT_COUNT also counts what is done to FAULT_MUTATE: "open N" (open
 * and openat), "fstatat N", "path N" (any call naming it by its path:
 * open, stat, lstat, llistxattr, lgetxattr), "read N" (pread, read,
 * copy_file_range or clone from it).
 *
 * mkhurdimg's threads share the counters: they are atomic.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum {
	C_WRITE,
	C_PWRITE,
	C_FSYNC,
	C_RENAME,
	C_CFR,
	C_CLONE,
	C_OPEN,
	C_FSTATAT,
	C_PATH,
	C_READ,
	C_SFR,
	C_MAX
};
static const char *const names[C_MAX] = { "write",  "pwrite",	       "fsync",
					  "rename", "copy_file_range", "clone",
					  "open",   "fstatat",	       "path",
					  "read",   "sync_file_range" };
static long counts[C_MAX];

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

#define REAL(type, name, ...)                    \
	static type (*real_##name)(__VA_ARGS__); \
	if (!real_##name)                        \
	real_##name = (type(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

static int real_stat_at(int dirfd, const char *path, struct stat *st, int flags)
{
	REAL(int, fstatat, int, const char *, struct stat *, int);
	return real_fstatat(dirfd, path, st, flags);
}

static int in_dir_path(const char *path)
{
	const char *dir = env("FAULT_DIR");
	char real[PATH_MAX], parent[PATH_MAX];
	const char *slash;

	if (!dir || !path)
		return 0;
	/* The file may not exist yet (rename's target): look at its dir. */
	slash = strrchr(path, '/');
	snprintf(parent, sizeof(parent), "%.*s",
		 slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (!realpath(parent, real))
		return 0;
	return !strcmp(real, dir);
}

static int in_dir_fd(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return in_dir_path(path) ||
	       (env("FAULT_DIR") && !strcmp(path, env("FAULT_DIR")));
}

static int fault_errno(void)
{
	const char *e = env("FAULT_ERRNO");

	if (!e || !strcmp(e, "EIO"))
		return EIO;
	if (!strcmp(e, "ENOSPC"))
		return ENOSPC;
	if (!strcmp(e, "EDQUOT"))
		return EDQUOT;
	if (!strcmp(e, "EFBIG"))
		return EFBIG;
	return EIO;
}

static long count(int kind)
{
	return __atomic_add_fetch(&counts[kind], 1, __ATOMIC_SEQ_CST);
}

/* Count a call of KIND; nonzero if this one must fail. */
static int hit(int kind)
{
	const char *call = env("FAULT_CALL"), *n = env("FAULT_N");
	long k = count(kind);

	return call && n && !strcmp(call, names[kind]) && k == atol(n);
}

__attribute__((destructor)) static void report(void)
{
	const char *file = env("FAULT_COUNT");
	FILE *f;
	int i;

	if (!file || !(f = fopen(file, "w")))
		return;
	for (i = 0; i < C_MAX; i++)
		fprintf(f, "%s %ld\n", names[i], counts[i]);
	fclose(f);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, write, int, const void *, size_t);
	if (fd > 2 && in_dir_fd(fd) && hit(C_WRITE)) {
		errno = fault_errno();
		return -1;
	}
	return real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	if (in_dir_fd(fd) && hit(C_PWRITE)) {
		errno = fault_errno();
		return -1;
	}
	return real_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

int fsync(int fd)
{
	REAL(int, fsync, int);
	if (in_dir_fd(fd) && hit(C_FSYNC)) {
		errno = fault_errno();
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	return fsync(fd);
}

int sync_file_range(int fd, off_t off, off_t len, unsigned int flags)
{
	REAL(int, sync_file_range, int, off_t, off_t, unsigned int);
	if (in_dir_fd(fd) && hit(C_SFR)) {
		errno = fault_errno();
		return -1;
	}
	return real_sync_file_range(fd, off, len, flags);
}

int rename(const char *from, const char *to)
{
	REAL(int, rename, const char *, const char *);
	if (in_dir_path(to) && hit(C_RENAME)) {
		errno = fault_errno();
		return -1;
	}
	return real_rename(from, to);
}

/* ---- inputs that change ---- */

/* The file FAULT_MUTATE names, looked up once. */
static int victim_id(struct stat *victim)
{
	static int known;
	static struct stat v;
	const char *m = env("FAULT_MUTATE");

	if (!m)
		return 0;
	if (!known) {
		if (real_stat_at(AT_FDCWD, m, &v, 0))
			return 0;
		known = 1;
	}
	*victim = v;
	return 1;
}

/* Is NAME in directory DIRFD (AT_FDCWD: a path) that file? */
static int is_victim_at(int dirfd, const char *name)
{
	struct stat victim, st;

	return name && victim_id(&victim) &&
	       real_stat_at(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == victim.st_dev && st.st_ino == victim.st_ino;
}

static int is_victim(const char *path)
{
	return is_victim_at(AT_FDCWD, path);
}

static int is_victim_fd(int fd)
{
	struct stat victim, st;

	return fd >= 0 && victim_id(&victim) && fstat(fd, &st) == 0 &&
	       st.st_dev == victim.st_dev && st.st_ino == victim.st_ino;
}

static long mutate_at(void)
{
	const char *k = env("FAULT_MUTATE_AT");

	return k ? atol(k) : 1;
}

/* Say so in FAULT_PAUSE/paused, and wait (two minutes at most) for
 * FAULT_PAUSE/resume. */
static void pause_here(void)
{
	const char *dir = env("FAULT_PAUSE");
	char paused[PATH_MAX], resume[PATH_MAX];
	struct timespec tick = { 0, 10000000 };
	FILE *f;
	int i;

	if (!dir)
		return;
	snprintf(paused, sizeof(paused), "%s/paused", dir);
	snprintf(resume, sizeof(resume), "%s/resume", dir);
	if ((f = fopen(paused, "w")))
		fclose(f);
	for (i = 0; i < 12000 && access(resume, F_OK); i++)
		nanosleep(&tick, NULL);
}

/* Before the open: truncate or remove.  Returns the action for after. */
static const char *mutate_before(int dirfd, const char *name)
{
	const char *act = env("FAULT_ACTION"), *path = env("FAULT_MUTATE");
	struct stat st;

	if (!is_victim_at(dirfd, name) || count(C_OPEN) != mutate_at() || !act)
		return NULL;
	if (!strcmp(act, "truncate") &&
	    real_stat_at(AT_FDCWD, path, &st, 0) == 0) {
		if (truncate(path, st.st_size / 2)) {
		}
	} else if (!strcmp(act, "remove")) {
		unlink(path);
	} else if (!strcmp(act, "pause")) {
		pause_here();
	}
	return act;
}

static int victim_fd = -1;

static void mutate_after(const char *act)
{
	static const char bytes[] = "changed under mkhurdimg's feet\n";
	struct timespec t[2] = { { 12345, 0 }, { 12345, 0 } };
	const char *path = env("FAULT_MUTATE");
	struct stat st;
	int fd;

	if (!act ||
	    (strcmp(act, "grow-after") && strcmp(act, "rewrite-after") &&
	     strcmp(act, "touch-after")))
		return;
	REAL(int, open, const char *, int, ...);
	fd = real_open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!strcmp(act, "touch-after")) {
		futimens(fd, t);
	} else if (!strcmp(act, "grow-after")) {
		if (pwrite(fd, bytes, sizeof(bytes) - 1,
			   lseek(fd, 0, SEEK_END)) < 0) {
		}
	} else if (fstat(fd, &st) == 0 && st.st_size > 0) {
		if (pwrite(fd, "X", 1, 0) < 0) {
		}
		futimens(fd, t);
	}
	close(fd);
}

/* The first read of the victim while it is being copied (by whichever
 * thread: only that descriptor counts). */
static void reading(int fd)
{
	int expected = fd;

	if (fd < 0)
		return;
	if (__atomic_compare_exchange_n(&victim_fd, &expected, -1, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		mutate_after("rewrite-after");
	if (is_victim_fd(fd))
		count(C_READ);
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	REAL(int, openat, int, const char *, int, ...);
	const char *act = NULL;
	int fd;

	if (!(flags & (O_WRONLY | O_RDWR)))
		act = mutate_before(dirfd, path);
	fd = real_openat(dirfd, path, flags, mode);
	if (fd >= 0 && act && !strcmp(act, "rewrite-during"))
		__atomic_store_n(&victim_fd, fd, __ATOMIC_SEQ_CST);
	else if (fd >= 0)
		mutate_after(act);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (is_victim(path))
		count(C_PATH);
	return do_openat(AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (is_victim(path))
		count(C_PATH);
	return do_openat(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (dirfd == AT_FDCWD && is_victim(path))
		count(C_PATH);
	return do_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (dirfd == AT_FDCWD && is_victim(path))
		count(C_PATH);
	return do_openat(dirfd, path, flags, mode);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (*path && is_victim_at(dirfd, path))
		count(dirfd == AT_FDCWD ? C_PATH : C_FSTATAT);
	return real_stat_at(dirfd, path, st, flags);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	/* The same structure on the 64-bit systems this runs on. */
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

int stat(const char *path, struct stat *st)
{
	if (is_victim(path))
		count(C_PATH);
	return real_stat_at(AT_FDCWD, path, st, 0);
}

int lstat(const char *path, struct stat *st)
{
	if (is_victim(path))
		count(C_PATH);
	return real_stat_at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

ssize_t llistxattr(const char *path, char *list, size_t size)
{
	REAL(ssize_t, llistxattr, const char *, char *, size_t);
	if (is_victim(path))
		count(C_PATH);
	return real_llistxattr(path, list, size);
}

ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	REAL(ssize_t, lgetxattr, const char *, const char *, void *, size_t);
	if (is_victim(path))
		count(C_PATH);
	return real_lgetxattr(path, name, value, size);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	REAL(ssize_t, pread, int, void *, size_t, off_t);
	reading(fd);
	return real_pread(fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off);
}

/* ---- the kernel's copies ---- */

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off,
			size_t len, unsigned flags)
{
	REAL(ssize_t, copy_file_range, int, off_t *, int, off_t *, size_t,
	     unsigned);
	const char *how = env("FAULT_CFR");

	reading(in);
	if (!in_dir_fd(out))
		return real_copy_file_range(in, in_off, out, out_off, len,
					    flags);
	if (hit(C_CFR)) {
		errno = fault_errno();
		return -1;
	}
	if (how && !strcmp(how, "exdev"))
		return errno = EXDEV, -1;
	if (how && !strcmp(how, "eopnotsupp"))
		return errno = EOPNOTSUPP, -1;
	if (how && !strcmp(how, "zero"))
		return 0;
	if (how && !strcmp(how, "short") && len > 1)
		len /= 2;
	return real_copy_file_range(in, in_off, out, out_off, len, flags);
}

/* What btrfs or XFS does for FICLONERANGE, as far as the bytes go: the
 * range must be whole blocks (mkhurdimg never asks for a file's end). */
static int emulate_clone(int out, const struct file_clone_range *r)
{
	REAL(ssize_t, pread, int, void *, size_t, off_t);
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	char buf[65536];
	uint64_t done = 0;

	if (!r->src_length ||
	    (r->src_offset | r->src_length | r->dest_offset) & 4095)
		return errno = EINVAL, -1;
	while (done < r->src_length) {
		size_t want = r->src_length - done < sizeof(buf) ?
				      (size_t)(r->src_length - done) :
				      sizeof(buf);
		ssize_t n = real_pread((int)r->src_fd, buf, want,
				       (off_t)(r->src_offset + done));

		if (n <= 0)
			return errno = n ? errno : EINVAL, -1;
		if (real_pwrite(out, buf, (size_t)n,
				(off_t)(r->dest_offset + done)) != n)
			return errno = EIO, -1;
		done += (uint64_t)n;
	}
	return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
	REAL(int, ioctl, int, unsigned long, ...);
	const char *how = env("FAULT_CLONE");
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request != FICLONERANGE || !in_dir_fd(fd))
		return real_ioctl(fd, request, arg);
	reading((int)((struct file_clone_range *)arg)->src_fd);
	if (hit(C_CLONE)) {
		errno = fault_errno();
		return -1;
	}
	if (how && !strcmp(how, "eopnotsupp"))
		return errno = EOPNOTSUPP, -1;
	if (how && !strcmp(how, "exdev"))
		return errno = EXDEV, -1;
	if (how && !strcmp(how, "einval"))
		return errno = EINVAL, -1;
	if (how && !strcmp(how, "emulate"))
		return emulate_clone(fd, arg);
	return real_ioctl(fd, request, arg);
}

/* getxattrat 464 and listxattrat 465 on every architecture (the unified
 * system call table). */
long syscall(long number, ...)
{
	const char *e = env("FAULT_NO_XATTRAT");
	long a[6];
	va_list ap;
	int i;

	REAL(long, syscall, long, ...);
	va_start(ap, number);
	for (i = 0; i < 6; i++) /* as glibc's own syscall() takes them */
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (e && (number == 464 || number == 465)) {
		errno = strcmp(e, "eperm") ? ENOSYS : EPERM;
		return -1;
	}
	return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
