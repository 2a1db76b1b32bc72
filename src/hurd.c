/* hurd.c - the Hurd skeleton */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "hurd.h"

/* libdiskfs's boot code does dir_lookup("/servers/exec") and asserts it
 * exists; startup binds /servers/startup.  Guix creates the same files
 * (mode 0444, each holding its own name so nothing ever hard-links them). */
static const char *const server_files[] = {
	"startup", "exec", "proc", "password", "default-pager",
	"crash-dump-core", "kill", "suspend",
};

static const struct {
	const char *path;
	uint32_t mode;
} skeleton_dirs[] = {
	{ "/servers", 0755 },	  { "/servers/socket", 0755 },
	{ "/servers/bus", 0755 }, { "/servers/bus/pci", 0755 },
	{ "/dev", 0755 },	  { "/tmp", 01777 },
};

char *hurd_path(const char *hurd_dir, const char *rel)
{
	size_t len = strlen(hurd_dir);
	char *r;

	while (len > 0 && hurd_dir[len - 1] == '/')
		len--;
	r = malloc(len + 1 + strlen(rel) + 1);
	if (r)
		sprintf(r, "%.*s/%s", (int)len, hurd_dir, rel);
	return r;
}

int hurd_add_skeleton(struct tree *t, int64_t mtime)
{
	size_t i;

	for (i = 0; i < sizeof(skeleton_dirs) / sizeof(*skeleton_dirs); i++) {
		struct tree_inode *ino =
			tree_inode_new(t, S_IFDIR | skeleton_dirs[i].mode);

		if (!ino)
			return diag_error(EXIT_BUILD, "out of memory");
		ino->mtime = mtime;
		if (tree_put(t, skeleton_dirs[i].path, ino, NULL))
			return EXIT_BUILD;
	}
	for (i = 0; i < sizeof(server_files) / sizeof(*server_files); i++) {
		struct tree_inode *ino = tree_inode_new(t, S_IFREG | 0444);
		char path[64];

		if (!ino || tree_inode_set_data(ino, server_files[i],
						strlen(server_files[i]))) {
			tree_inode_free(ino);
			return diag_error(EXIT_BUILD, "out of memory");
		}
		ino->mtime = mtime;
		snprintf(path, sizeof(path), "/servers/%s", server_files[i]);
		if (tree_put(t, path, ino, NULL))
			return EXIT_BUILD;
	}
	return 0;
}
