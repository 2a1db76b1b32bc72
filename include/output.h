/* output.h - the image appears under its name complete, or not at all */
#ifndef MKHURDIMG_OUTPUT_H
#define MKHURDIMG_OUTPUT_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

struct output {
	const char *what; /* "image", "depfile": for messages */
	char *target;
	char *tmp; /* the temporary file next to the target */
	int fd;
};

/* SIGINT, SIGTERM and SIGHUP, from now on: the temporary file being
 * written is removed, and one line on stderr says that PROGRAM was
 * stopped and what, of the outputs, was written before.  output_open
 * calls it too. */
void output_catch_signals(const char *program);

/* Create a new temporary file next to TARGET (MODE minus umask), named
 * .BASE.mkhurdimg-PID.XXXXXX and locked (an OFD lock) until commit or
 * abort; first remove such files no run holds locked (left by a run
 * killed with SIGKILL, in whatever PID namespace).  Until commit or
 * abort, SIGINT, SIGTERM and SIGHUP remove it. */
/* TARGET, if it exists, must be a regular file or a symlink (replaced,
 * not followed); anything else is refused with EXIT_USAGE. */
int output_open(struct output *o, const char *target, const char *what,
		mode_t mode);
/* fsync, then rename over TARGET (never through a symlink there: the
 * link itself is replaced), then fsync the directory. */
int output_commit(struct output *o);
/* Remove the temporary file; the previous TARGET, if any, is untouched. */
void output_abort(struct output *o);

/* What writing TARGET will replace, to tell it from the inputs: the file
 * there now, not followed (a symlink there is replaced, not what it
 * points to), or, when there is none, the name it will get (its
 * directory resolved). */
struct output_id {
	int exists;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	char name[PATH_MAX + 256];
};

void output_id_get(const char *target, struct output_id *id);
/* Is INPUT, followed as it is read, the file ID will replace?  Never
 * when ID is not a regular file or a symlink: output_open refuses those,
 * and a rename could not replace them anyway. */
int output_id_is_input(const struct output_id *id, const char *input);
/* The same, for an input whose status ST the caller has (a scan's). */
int output_id_is_file(const struct output_id *id, const struct stat *st);
/* Do two outputs name the same file? */
int output_id_same(const struct output_id *a, const struct output_id *b);

#endif
