/* prefetch.h - host files read ahead of the writer, in its order
 *
 * When the bytes must pass through this process (a qcow2 container, a
 * NAR hash), a helper thread walks the tree as the writer does and, for
 * each host file at its first name, opens it, reads it (small files, up
 * to PREFETCH_FILE bytes) and checks it against what the scan saw, while
 * the writer lays out and writes what came before.  The writer takes the
 * files in the same order, so nothing in the image depends on it.
 */
#ifndef MKHURDIMG_PREFETCH_H
#define MKHURDIMG_PREFETCH_H

#include <stdint.h>

#include "tree.h"

struct prefetch;

/* What the writer gets for one host file. */
struct prefetched {
	const struct tree_node *n;
	int fd;	     /* open, when the bytes were not read */
	char *bytes; /* all of them, read and checked */
	int err;     /* 0, or an errno value of the open */
	int changed; /* the file was not as the scan saw it */
};

/* Read ahead in T with a helper thread; NULL when out of memory or when
 * no thread can be made (the writer opens the files itself). */
struct prefetch *prefetch_start(struct tree *t);
/* The next host file, which must be N's: 0, or -1 when the helper saw
 * another (a bug: the writer opens N itself).  The writer owns what it
 * gets (prefetch_release). */
int prefetch_take(struct prefetch *p, const struct tree_node *n,
		  struct prefetched *out);
void prefetch_release(struct prefetched *f);
void prefetch_stop(struct prefetch *p);

#endif
