/* output.h - the image appears under its name complete, or not at all */
#ifndef MKHURDIMG_OUTPUT_H
#define MKHURDIMG_OUTPUT_H

#include <sys/types.h>

struct output {
	const char *what;	/* "image", "depfile": for messages */
	char *target;
	char *tmp;		/* the temporary file next to the target */
	int fd;
};

/* Create a new temporary file next to TARGET (MODE minus umask),
 * named .BASE.mkhurdimg-PID.XXXXXX; first remove such files whose
 * process is gone (a run killed with SIGKILL).  Until commit or abort,
 * SIGINT, SIGTERM and SIGHUP remove it. */
/* TARGET, if it exists, must be a regular file or a symlink (replaced,
 * not followed); anything else is refused with EXIT_USAGE. */
int output_open(struct output *o, const char *target, const char *what,
		mode_t mode);
/* fsync, then rename over TARGET (never through a symlink there: the
 * link itself is replaced), then fsync the directory. */
int output_commit(struct output *o);
/* Remove the temporary file; the previous TARGET, if any, is untouched. */
void output_abort(struct output *o);

#endif
