/* output.c - atomic creation of the output file */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "output.h"

/* For the signal handler: the one temporary file of this process, and
 * what to say if a signal stops the run now (set outside the handler). */
static char *volatile pending_tmp;
static char said[3][600]; /* SIGINT, SIGTERM, SIGHUP */
static const int caught[3] = { SIGINT, SIGTERM, SIGHUP };
static const char *const stopped[3] = { "interrupted", "terminated",
					"hung up" };

static void on_signal(int sig)
{
	char *p = pending_tmp;
	int i;

	if (p)
		unlink(p);
	for (i = 0; i < 3; i++)
		if (caught[i] == sig && write(2, said[i], strlen(said[i])) < 0)
			break;
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *program = "mkhurdimg";
static char kept[512]; /* the outputs in place, "A, B" */
static int nkept;

/* What each signal's message says: what is in place already, and what
 * NEXT (the output being written, or NULL) will not be. */
static void set_said(const char *next)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (!*kept)
			snprintf(said[i], sizeof(said[i]),
				 "%s: %s; nothing was written\n", program,
				 stopped[i]);
		else if (next)
			snprintf(said[i], sizeof(said[i]),
				 "%s: %s; %s %s written, %s was not\n", program,
				 stopped[i], kept, nkept > 1 ? "were" : "was",
				 diag_value(next));
		else
			snprintf(said[i], sizeof(said[i]),
				 "%s: %s; %s %s written\n", program, stopped[i],
				 kept, nkept > 1 ? "were" : "was");
	}
}

static void committed(const char *target)
{
	size_t len = strlen(kept);

	snprintf(kept + len, sizeof(kept) - len, "%s%s", len ? ", " : "",
		 diag_value(target));
	nkept++;
	set_said(NULL);
}

void output_catch_signals(const char *name)
{
	static int caught_already;
	struct sigaction sa;
	int i;

	program = name;
	set_said(NULL);
	if (caught_already++)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(caught[i], &sa, NULL);
}

/* An OFD lock on the whole file, for as long as the file is open: a live
 * run's temporary file is the one it holds locked, whatever PID its name
 * has, even for a run in another PID namespace that shares the directory
 * (a CI container).  0, or -1 with errno (EAGAIN: another holds it). */
static int lock_file(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Temporary files are named .BASE.mkhurdimg-PID.XXXXXX and locked by
 * their run: one that a later run for the same target can lock was left
 * by a run killed with SIGKILL, and is removed. */
static void remove_stale(const char *dir, const char *base)
{
	char prefix[4096], path[8192];
	size_t plen;
	struct dirent *d;
	DIR *dh;

	plen = (size_t)snprintf(prefix, sizeof(prefix), ".%s.mkhurdimg-", base);
	if (plen >= sizeof(prefix) || !(dh = opendir(*dir ? dir : ".")))
		return;
	while ((d = readdir(dh))) {
		int fd;

		if (strncmp(d->d_name, prefix, plen))
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, d->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Unlinked while still locked: its run, if it is being
		 * created, finds the name gone and makes another. */
		if (!lock_file(fd, F_RDLCK) && !unlink(path))
			diag_info("removed %s, left by an interrupted run",
				  path);
		close(fd);
	}
	closedir(dh);
}

/* Lock the new temporary file, and make sure it is still the file under
 * its name (a run removing stale files may have taken it between mkostemp
 * and the lock).  Where the file system has no such locks, there is
 * nothing better to do than go on. */
static int claim(const struct output *o)
{
	struct stat mine, named;

	if (lock_file(o->fd, F_WRLCK))
		return errno == EAGAIN || errno == EACCES ? -1 : 0;
	return fstat(o->fd, &mine) || stat(o->tmp, &named) ||
			       mine.st_dev != named.st_dev ||
			       mine.st_ino != named.st_ino ?
		       -1 :
		       0;
}

/* A new temporary file next to the target, locked: a dot file in the
 * same directory, so that rename() is atomic. */
static int create_tmp(struct output *o, size_t dirlen)
{
	int tries, e;

	for (tries = 0; tries < 8; tries++) {
		sprintf(o->tmp, "%.*s.%s.mkhurdimg-%ld.XXXXXX", (int)dirlen,
			o->target, o->target + dirlen, (long)getpid());
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
		if (o->fd < 0)
			break;
		if (!claim(o))
			return 0;
		close(o->fd); /* another run is removing it */
		o->fd = -1;
	}
	e = o->fd < 0 ? errno : EAGAIN;
	free(o->tmp);
	o->tmp = NULL;
	e = diag_error(EXIT_BUILD, "%s: cannot create the %s next to it: %s",
		       o->target, o->what, strerror(e));
	output_abort(o);
	return e;
}

int output_open(struct output *o, const char *target, const char *what,
		mode_t mode)
{
	const char *slash = strrchr(target, '/');
	size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
	char *dir;
	mode_t mask;
	struct stat st;
	int err;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->what = what;
	/* A FIFO, a device, a directory: never replaced by a file. */
	if (lstat(target, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISLNK(st.st_mode))
		return diag_error(
			EXIT_USAGE,
			"%s: exists and is not a regular file (a directory, FIFO or device); refused",
			target);
	o->target = strdup(target);
	o->tmp = malloc(strlen(target) + 64);
	dir = strndup(target, dirlen);
	if (!o->target || !o->tmp || !dir) {
		free(dir);
		output_abort(o);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	remove_stale(dir, target + dirlen);
	free(dir);
	if ((err = create_tmp(o, dirlen)))
		return err;
	output_catch_signals(program);
	set_said(target);
	pending_tmp = o->tmp;
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, mode & ~mask)) {
		int e = errno;

		output_abort(o);
		return diag_error(EXIT_BUILD, "%s: %s", target, strerror(e));
	}
	return 0;
}

/* The rename itself reaches the disk with the directory.  The image is
 * complete and in place by now, so a failure here is only a warning. */
static void sync_dir(const char *target)
{
	const char *slash = strrchr(target, '/');
	char *dir = slash ? strndup(target, (size_t)(slash - target) + 1) :
			    strdup(".");
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd < 0 || (fsync(fd) && errno != EINVAL))
		diag_warn("%s: the directory could not be synced: %s",
			  dir ? dir : target, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
}

int output_commit(struct output *o)
{
	int e, r;

	/* Closed only once renamed: the lock says "live" until then. */
	if (fsync(o->fd)) {
		e = errno;
		r = diag_error(EXIT_BUILD, "%s: cannot write the %s: %s",
			       o->target, o->what, strerror(e));
		output_abort(o);
		return r;
	}
	if (rename(o->tmp, o->target)) {
		e = errno;
		r = diag_error(EXIT_BUILD, "%s: cannot put the %s in place: %s",
			       o->target, o->what, strerror(e));
		output_abort(o);
		return r;
	}
	pending_tmp = NULL;
	close(o->fd); /* after fsync, nothing is left to report */
	o->fd = -1;
	committed(o->target);
	sync_dir(o->target);
	free(o->tmp);
	free(o->target);
	o->tmp = o->target = NULL;
	return 0;
}

void output_abort(struct output *o)
{
	if (o->tmp) {
		unlink(o->tmp);
		pending_tmp = NULL;
	}
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	free(o->tmp);
	free(o->target);
	o->tmp = o->target = NULL;
}

void output_id_get(const char *target, struct output_id *id)
{
	const char *slash = strrchr(target, '/');
	char dir[PATH_MAX], real[PATH_MAX];
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!lstat(target, &st)) {
		id->exists = 1;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		id->mode = st.st_mode;
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s",
		 slash ? (int)(slash - target) + 1 : 1, slash ? target : ".");
	snprintf(id->name, sizeof(id->name), "%s/%s",
		 realpath(dir, real) ? real : dir, slash ? slash + 1 : target);
}

int output_id_is_file(const struct output_id *id, const struct stat *st)
{
	return id->exists && (S_ISREG(id->mode) || S_ISLNK(id->mode)) &&
	       st->st_dev == id->dev && st->st_ino == id->ino;
}

int output_id_is_input(const struct output_id *id, const char *input)
{
	struct stat st;

	return id->exists && !stat(input, &st) && output_id_is_file(id, &st);
}

int output_id_same(const struct output_id *a, const struct output_id *b)
{
	if (a->exists != b->exists)
		return 0;
	if (a->exists)
		return a->dev == b->dev && a->ino == b->ino;
	return !strcmp(a->name, b->name);
}
