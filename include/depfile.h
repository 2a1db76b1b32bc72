/* depfile.h - a Make dependency file: the image and every input it was
 * made from, so that "image: os.conf" rules rebuild exactly when one
 * changes */
#ifndef MKHURDIMG_DEPFILE_H
#define MKHURDIMG_DEPFILE_H

#include <stddef.h>

#include "inputs.h"
#include "tree.h"

/* Write FILE (atomically) saying TARGET depends on FIRST[0..NFIRST) (the
 * config, the image type file), then on every input IN names and every
 * host file still in TREES (every file system's), sorted; each input also
 * gets an empty rule, as gcc -MP does, so that removing one does not
 * break make.  Returns 0 or EXIT_BUILD with a message. */
int depfile_write(const char *file, const char *target,
		  const char *const *first, size_t nfirst,
		  const struct inputs *in, struct tree *const *trees,
		  size_t ntrees);

/* PATH escaped for a Make rule into BUF (LEN bytes); -1 if it cannot be
 * (a newline in it) or does not fit. */
int depfile_escape(const char *path, char *buf, size_t len);

#endif
