/* faultinject.c - an LD_PRELOAD shim that makes one system call fail, or
 * changes an input file under mkhurdimg's feet, for tests/integration/
 * faults.sh.
 *
 *   FAULT_DIR=DIR        only calls on files in DIR count (the output's
 *                        directory: stderr and the inputs are left alone)
 *   FAULT_CALL=NAME      write, pwrite, fsync or rename
 *   FAULT_N=N            the Nth such call fails ...
 *   FAULT_ERRNO=NAME     ... with EIO, ENOSPC, EDQUOT or EFBIG
 *   FAULT_COUNT=FILE     instead, count the calls and write
 *                        "write N\npwrite N\nfsync N\nrename N\n" at exit
 *   FAULT_MUTATE=PATH    at the Kth open of PATH (FAULT_MUTATE_AT, default
 *                        the last one FAULT_COUNT saw: give it) do
 *   FAULT_ACTION=ACT     truncate (to half), remove, grow-after (append
 *                        once the caller has it open), rewrite-after (same
 *                        size, new bytes and time, once open),
 *                        rewrite-during (the same, at the caller's first
 *                        pread of it: while it is being copied),
 *                        touch-after (only a new mtime, once open),
 *                        pause (create FAULT_PAUSE/paused, then wait
 *                        until FAULT_PAUSE/resume exists: a window in
 *                        the middle of a build, for another run)
 * FAULT_COUNT also counts the opens of FAULT_MUTATE as "open N".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum { C_WRITE, C_PWRITE, C_FSYNC, C_RENAME, C_OPEN, C_MAX };
static const char *const names[C_MAX] = { "write", "pwrite", "fsync", "rename",
					  "open" };
static long counts[C_MAX];

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
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
	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
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
	return in_dir_path(path) || (env("FAULT_DIR") && !strcmp(path, env("FAULT_DIR")));
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

/* Count a call of KIND; nonzero if this one must fail. */
static int hit(int kind)
{
	const char *call = env("FAULT_CALL"), *n = env("FAULT_N");

	counts[kind]++;
	return call && n && !strcmp(call, names[kind]) &&
	       counts[kind] == atol(n);
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

#define REAL(type, name, ...) \
	static type (*real_##name)(__VA_ARGS__); \
	if (!real_##name) \
		real_##name = (type (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

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

/* Is PATH the file FAULT_MUTATE names (same inode, looked up once)? */
static int is_victim(const char *path)
{
	static int known;
	static struct stat victim;
	const char *m = env("FAULT_MUTATE");
	struct stat st;

	if (!m)
		return 0;
	if (!known) {
		if (stat(m, &victim))
			return 0;
		known = 1;
	}
	return stat(path, &st) == 0 && st.st_dev == victim.st_dev &&
	       st.st_ino == victim.st_ino;
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
static const char *mutate_before(const char *path)
{
	const char *act = env("FAULT_ACTION");
	struct stat st;

	if (!is_victim(path) || ++counts[C_OPEN] != mutate_at() || !act)
		return NULL;
	if (!strcmp(act, "truncate") && stat(path, &st) == 0) {
		if (truncate(path, st.st_size / 2)) {}
	} else if (!strcmp(act, "remove")) {
		unlink(path);
	} else if (!strcmp(act, "pause")) {
		pause_here();
	}
	return act;
}

static int victim_fd = -1;
static char victim_path[PATH_MAX];

static void mutate_after(const char *path, const char *act)
{
	static const char bytes[] = "changed under mkhurdimg's feet\n";
	struct timespec t[2] = { { 12345, 0 }, { 12345, 0 } };
	struct stat st;
	int fd;

	if (!act || (strcmp(act, "grow-after") && strcmp(act, "rewrite-after") &&
		     strcmp(act, "touch-after")))
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!strcmp(act, "touch-after")) {
		futimens(fd, t);
	} else if (!strcmp(act, "grow-after")) {
		if (pwrite(fd, bytes, sizeof(bytes) - 1, lseek(fd, 0, SEEK_END)) < 0) {}
	} else if (fstat(fd, &st) == 0 && st.st_size > 0) {
		if (pwrite(fd, "X", 1, 0) < 0) {}
		futimens(fd, t);
	}
	close(fd);
}

static int do_open(const char *path, int flags, mode_t mode)
{
	REAL(int, open, const char *, int, ...);
	const char *act = NULL;
	int fd;

	if (!(flags & (O_WRONLY | O_RDWR)))
		act = mutate_before(path);
	fd = real_open(path, flags, mode);
	if (fd >= 0 && act && !strcmp(act, "rewrite-during")) {
		victim_fd = fd;
		snprintf(victim_path, sizeof(victim_path), "%s", path);
	} else if (fd >= 0) {
		mutate_after(path, act);
	}
	return fd;
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	REAL(ssize_t, pread, int, void *, size_t, off_t);
	if (fd >= 0 && fd == victim_fd) {
		victim_fd = -1;
		mutate_after(victim_path, "rewrite-after");
	}
	return real_pread(fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_open(path, flags, mode);
}
