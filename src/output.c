/* output.c - atomic creation of the output file */
#include "autoconfig.h"

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

int output_open(struct output *o, const char *target)
{
	const char *slash = strrchr(target, '/');
	size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
	mode_t mask;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->target = strdup(target);
	o->tmp = malloc(strlen(target) + 16);
	if (!o->target || !o->tmp)
		return diag_error(EXIT_BUILD, "out of memory");
	/* A dot file in the same directory, so rename() is atomic. */
	sprintf(o->tmp, "%.*s.%s.XXXXXX", (int)dirlen, target, target + dirlen);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		return diag_error(EXIT_BUILD, "%s: cannot create the image next to it: %s",
				  target, strerror(e));
	}
	guard(o->tmp);
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask)) {
		int e = errno;

		output_abort(o);
		return diag_error(EXIT_BUILD, "%s: %s", target, strerror(e));
	}
	return 0;
}

int output_commit(struct output *o)
{
	int e;

	if (fsync(o->fd) || close(o->fd)) {
		e = errno;
		o->fd = -1;
		output_abort(o);
		return diag_error(EXIT_BUILD, "%s: cannot write the image: %s",
				  o->target, strerror(e));
	}
	o->fd = -1;
	if (rename(o->tmp, o->target)) {
		e = errno;
		output_abort(o);
		return diag_error(EXIT_BUILD, "%s: cannot put the image in place: %s",
				  o->target, strerror(e));
	}
	guard(NULL);
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
