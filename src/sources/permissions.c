/* permissions.c - owner, group and mode rules over the finished tree */
#include "autoconfig.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include "diag.h"
#include "permissions.h"

struct apply {
	const struct os_rule *rule;
	unsigned long matched;
};

static int apply_node(struct tree_node *n, void *arg)
{
	struct apply *a = arg;
	const struct os_rule *r = a->rule;
	char path[4096];

	tree_path(n, path, sizeof(path));
	if (fnmatch(r->glob, path, 0))
		return 0;
	a->matched++;
	if (r->uid >= 0)
		n->inode->uid = (uint32_t)r->uid;
	if (r->gid >= 0)
		n->inode->gid = (uint32_t)r->gid;
	if (r->mode >= 0 && !S_ISLNK(n->inode->mode))
		n->inode->mode = (n->inode->mode & S_IFMT) |
				 ((uint32_t)r->mode & 07777);
	return 0;
}

int permissions_apply(struct tree *t, const struct os_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++) {
		struct apply a = { &cfg->rules[i], 0 };

		tree_walk(t, apply_node, &a);
		if (!a.matched)
			diag_warn(
				"%s:%d: permissions \"%s\" matches nothing in the image",
				cfg->file, cfg->rules[i].line,
				cfg->rules[i].glob);
	}
	return 0;
}
