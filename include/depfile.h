/* depfile.h - a GNU Make dependency file: the image and every input it
 * was made from, so that an "image: os.conf" rule rebuilds it when an
 * input is newer (what Make can and cannot see: README) */
#ifndef MKHURDIMG_DEPFILE_H
#define MKHURDIMG_DEPFILE_H

#include <stddef.h>

#include "inputs.h"
#include "tree.h"

/* Write FILE (atomically) saying TARGET depends on FIRST[0..NFIRST) (the
 * config, the image type file), then on every input IN names and every
 * host file still in TREES (every file system's), sorted; each input also
 * gets an empty rule, as gcc -MP does, so that removing one does not
 * break make.  Every name is spelled for GNU Make (depfile.c says how);
 * one Make cannot name (a newline, an archive member's form) is refused.
 * Returns 0 or EXIT_BUILD with a message, and then FILE is not written. */
int depfile_write(const char *file, const char *target,
		  const char *const *first, size_t nfirst,
		  const struct inputs *in, struct tree *const *trees,
		  size_t ntrees);

#endif
