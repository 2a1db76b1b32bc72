/* source-file.c - one file with literal contents, written in the config:
 *
 *   file "/etc/motd" { contents = "Welcome to the Hurd.\n" mode = 0644 }
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "source-file.h"

struct file_data {
	char *contents;
	long mode;
	uint32_t uid, gid;
};

static int file_add(struct source_ctx *c, const struct os_source *src)
{
	const struct file_data *f = src->data;
	struct tree_inode *ino =
		tree_inode_new(c->tree, S_IFREG | (f->mode & 07777));

	if (!ino ||
	    tree_inode_set_data(ino, f->contents, strlen(f->contents))) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	ino->uid = f->uid;
	ino->gid = f->gid;
	return tree_put(c->tree, src->target, ino, NULL) ? EXIT_BUILD : 0;
}

static cfg_opt_t file_opts[] = { CFG_STR("contents", "", CFGF_NONE),
				 CFG_INT("mode", 0644, CFGF_NONE),
				 CFG_INT("owner", 0, CFGF_NONE),
				 CFG_INT("group", 0, CFGF_NONE), CFG_END() };

static const struct conf_check file_checks[] = {
	{ "mode", config_check_mode },
	{ "owner", config_check_id },
	{ "group", config_check_id },
	{ NULL, NULL },
};

/* The title is a path in the image, not on the host. */
static int file_parse(cfg_t *sec, const struct os_config *cfg, int line,
		      void *object)
{
	struct os_source *src = object;
	struct file_data *f = calloc(1, sizeof(*f));

	if (!f)
		return diag_error(EXIT_BUILD, "out of memory");
	src->data = f;
	src->path = config_strdup(cfg_title(sec));
	src->target = config_strdup(cfg_title(sec));
	f->contents = config_strdup(cfg_getstr(sec, "contents"));
	f->mode = cfg_getint(sec, "mode");
	f->uid = (uint32_t)cfg_getint(sec, "owner");
	f->gid = (uint32_t)cfg_getint(sec, "group");
	if (src->target[0] != '/')
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"file '%s' must be an absolute path inside the image",
			src->target);
	return 0;
}

static void file_release(void *data)
{
	struct file_data *f = data;

	if (f)
		free(f->contents);
	free(f);
}

const struct source_kind source_file = {
	.conf = {
		.name = "file",
		.opts = file_opts,
		.checks = file_checks,
		.parse = file_parse,
		.release = file_release,
	},
	.add = file_add,
};
