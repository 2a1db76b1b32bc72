/* hurd.h - what a Hurd root file system needs besides its packages */
#ifndef MKHURDIMG_HURD_H
#define MKHURDIMG_HURD_H

#include <stdint.h>

#include "tree.h"

/* The skeleton every Hurd root needs at boot: /servers with the nodes
 * libdiskfs and startup look up (exec, startup, ...), /dev, /tmp.
 * Sources added later may override any of it. */
int hurd_add_skeleton(struct tree *t, int64_t mtime);

/* Join the Hurd directory of the config and a path under it:
 * ("/", "hurd/ext2fs.static") -> "/hurd/ext2fs.static". */
char *hurd_path(const char *hurd_dir, const char *rel);

/* One passive translator: a node and its command line. */
struct hurd_translator {
	char *path;
	char *argz; /* every argument NUL-terminated */
	size_t argz_len;
	uint32_t mode; /* if the node has to be created */
	int dir;       /* created as a directory */
	int removed;
};

struct hurd_translators {
	struct hurd_translator *v;
	size_t n, cap;
};

/* Guix's full table: servers, every device node, in table order. */
int hurd_default_translators(struct hurd_translators *tt);
void hurd_translators_free(struct hurd_translators *tt);
/* Add or replace PATH's translator (ARGV[0] is the program). */
int hurd_translator_set(struct hurd_translators *tt, const char *path,
			char *const *argv, size_t argc, uint32_t mode);
/* Returns -1 if no translator is set at PATH (a typo in the config). */
int hurd_translator_remove(struct hurd_translators *tt, const char *path);

/* Put each translator on its node as the gnu.translator attribute,
 * creating missing nodes, and add Guix's /dev and /servers symlinks.
 * A program not in the image (looked up under HURD_DIR) is a warning. */
int hurd_apply_translators(struct tree *t, const struct hurd_translators *tt,
			   const char *hurd_dir, int64_t mtime);

#endif
