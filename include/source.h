/* source.h - sources add entries to the tree; they never write the image
 *
 * A source kind is one file (source-*.c) and one line in source.c's
 * table.  It declares its configuration section (its name, options, their
 * checks and the parse step that reads a section into its own struct),
 * and the step that adds what the section names to the tree.
 */
#ifndef MKHURDIMG_SOURCE_H
#define MKHURDIMG_SOURCE_H

#include "config.h"
#include "inputs.h"
#include "store.h"
#include "tree.h"

/* What a source adds to, besides the tree. */
struct source_ctx {
	struct tree *tree;
	struct inputs *inputs;	     /* host files read, for --depfile */
	struct store_items *store;   /* store items to register, or NULL
					 * (register-store = false) */
	const struct os_config *cfg; /* its file, for messages */
	struct pool *pool;	     /* helper threads, or NULL */
	/* Called on every regular file a scan takes, with the status the
	 * scan has (no second look): not 0 stops the build with that
	 * status, its message recorded.  NULL: nothing to check. */
	int (*check_file)(void *arg, const char *path, const struct stat *st);
	void *check_arg;
};

struct source_kind {
	/* The section: its name ("directory"), options and parse step,
	 * which fills an os_source (path, target, and data of its own). */
	struct conf_kind conf;
	/* Add everything SRC names under src->target.  0 or an exit status. */
	int (*add)(struct source_ctx *c, const struct os_source *src);
};

/* The kinds' sections, for config_load; NULL-terminated. */
const struct conf_kind *const *source_conf_kinds(void);

/* Add every source of C->cfg in the order of the file. */
int sources_add_all(struct source_ctx *c);

/* The parse step most kinds share: the title is a host path (resolved
 * against the configuration's directory), and "target" an absolute path
 * in the image, when HAS_TARGET (the kind has that option; else "/"). */
int source_parse_path_target(cfg_t *sec, const struct os_config *cfg, int line,
			     struct os_source *src, int has_target);

/* Copy the host file or directory HOST (not followed if a symlink, unless
 * COPY_FOLLOW_TOP) to IMAGE in the tree, recursively.  COPY_FOLLOW_TOP is
 * for a directory source named through a symlink: its contents are
 * wanted, not the link.  COPY_NO_HARDLINKS gives every name its
 * own inode (store items: the image must not depend on whether the host
 * store was deduplicated). */
#define COPY_NO_HARDLINKS 1
#define COPY_FOLLOW_TOP 2
int source_copy_tree(struct source_ctx *c, const char *host, const char *image,
		     int flags);

#endif
