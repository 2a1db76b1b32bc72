/* source.h - sources add entries to the tree; they never write the image */
#ifndef MKHURDIMG_SOURCE_H
#define MKHURDIMG_SOURCE_H

#include "config.h"
#include "tree.h"

struct source_kind {
	const char *name;	/* the config section: "directory", ... */
	/* Add everything SRC holds under src->target.  0 or an exit status. */
	int (*add)(struct tree *t, const struct os_config *cfg,
		   const struct os_source *src);
};

/* Add every source of CFG in the order of the file. */
int sources_add_all(struct tree *t, const struct os_config *cfg);

/* Copy the host file or directory HOST (not followed if a symlink, unless
 * COPY_FOLLOW_TOP) to IMAGE in the tree, recursively.  COPY_FOLLOW_TOP is
 * for a directory source named through a symlink: its contents are
 * wanted, not the link.  COPY_NO_HARDLINKS gives every name its
 * own inode (store items: the image must not depend on whether the host
 * store was deduplicated). */
#define COPY_NO_HARDLINKS 1
#define COPY_FOLLOW_TOP 2
int source_copy_tree(struct tree *t, const char *host, const char *image,
		     int flags);

/* The kinds (source-*.c). */
extern const struct source_kind source_directory;
extern const struct source_kind source_closure;
extern const struct source_kind source_archive;
extern const struct source_kind source_substitutes;
extern const struct source_kind source_file;

#endif
