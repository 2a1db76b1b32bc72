/* source-file.c - one file with literal contents, written in the config:
 *
 *   file "/etc/motd" { contents = "Welcome to the Hurd.\n" mode = 0644 }
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "source.h"

static int file_add(struct tree *t, const struct os_config *cfg,
		    const struct os_source *src)
{
	struct tree_inode *ino = tree_inode_new(t, S_IFREG | (src->mode & 07777));
	const char *text = src->contents ? src->contents : "";

	if (!ino || tree_inode_set_data(ino, text, strlen(text))) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	ino->uid = src->uid;
	ino->gid = src->gid;
	return tree_put(t, src->target, ino, NULL) ? EXIT_BUILD : 0;
}

const struct source_kind source_file = {
	.name = "file",
	.add = file_add,
};
