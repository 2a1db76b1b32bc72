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

/* For the signal handler: the one temporary file of this process. */
static char *volatile pending_tmp;

static void on_signal(int sig)
{
	char *p = pending_tmp;

	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard(char *tmp)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	pending_tmp = tmp;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tmp ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Temporary files are named .BASE.mkhurdimg-PID.XXXXXX: a run killed
 * with SIGKILL leaves one, and a later run for the same target removes
 * those whose process is gone. */
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
		char *end;
		long pid;

		if (strncmp(d->d_name, prefix, plen))
			continue;
		pid = strtol(d->d_name + plen, &end, 10);
		if (end == d->d_name + plen || *end != '.' || pid <= 0 ||
		    pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, d->d_name);
		if (unlink(path) == 0)
			diag_info("removed %s, left by an interrupted run", path);
	}
	closedir(dh);
}

int output_open(struct output *o, const char *target, const char *what,
		mode_t mode)
{
	const char *slash = strrchr(target, '/');
	size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
	char *dir;
	mode_t mask;

	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->what = what;
	/* A FIFO, a device, a directory: never replaced by a file. */
	if (lstat(target, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return diag_error(EXIT_USAGE,
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
	/* A dot file in the same directory, so rename() is atomic. */
	sprintf(o->tmp, "%.*s.%s.mkhurdimg-%ld.XXXXXX", (int)dirlen, target,
		target + dirlen, (long)getpid());
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		output_abort(o);
		return diag_error(EXIT_BUILD, "%s: cannot create the %s next to it: %s",
				  target, what, strerror(e));
	}
	guard(o->tmp);
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
	char *dir = slash ? strndup(target, (size_t)(slash - target) + 1) : strdup(".");
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd < 0 || (fsync(fd) && errno != EINVAL))
		diag_warn("%s: the directory could not be synced: %s", dir ? dir : target,
			  strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
}

int output_commit(struct output *o)
{
	int e, r;

	if (fsync(o->fd) || close(o->fd)) {
		e = errno;
		o->fd = -1;
		r = diag_error(EXIT_BUILD, "%s: cannot write the %s: %s",
			       o->target, o->what, strerror(e));
		output_abort(o);
		return r;
	}
	o->fd = -1;
	if (rename(o->tmp, o->target)) {
		e = errno;
		r = diag_error(EXIT_BUILD, "%s: cannot put the %s in place: %s",
			       o->target, o->what, strerror(e));
		output_abort(o);
		return r;
	}
	guard(NULL);
	sync_dir(o->target);
	free(o->tmp);
	free(o->target);
	o->tmp = o->target = NULL;
	return 0;
}

void output_abort(struct output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp) {
		unlink(o->tmp);
		guard(NULL);
	}
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
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - target) + 1 : 1,
		 slash ? target : ".");
	snprintf(id->name, sizeof(id->name), "%s/%s",
		 realpath(dir, real) ? real : dir, slash ? slash + 1 : target);
}

int output_id_is_input(const struct output_id *id, const char *input)
{
	struct stat st;

	return id->exists && (S_ISREG(id->mode) || S_ISLNK(id->mode)) &&
	       !stat(input, &st) && st.st_dev == id->dev && st.st_ino == id->ino;
}

int output_id_same(const struct output_id *a, const struct output_id *b)
{
	if (a->exists != b->exists)
		return 0;
	if (a->exists)
		return a->dev == b->dev && a->ino == b->ino;
	return !strcmp(a->name, b->name);
}
