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

#endif
