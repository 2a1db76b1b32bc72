/* source-symlink.c - one symbolic link, written in the configuration, as
 * Guix's special-files-service-type makes /bin/sh and /usr/bin/env:
 *
 *   symlink "/bin/sh" { to = "/gnu/store/...-bash-5.2/bin/sh" }
 *
 * The link is root's, with the tree's time (SOURCE_DATE_EPOCH).  It
 * replaces whatever an earlier source put there, as any source does.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "source-symlink.h"

static cfg_opt_t symlink_opts[] = { CFG_STR("to", NULL, CFGF_NODEFAULT),
				    CFG_END() };

/* The title is the link's path in the image; DATA is where it points. */
static int symlink_parse(cfg_t *sec, const struct os_config *cfg, int line,
			 void *object)
{
	struct os_source *src = object;

	src->path = config_strdup(cfg_title(sec));
	src->target = config_strdup(cfg_title(sec));
	if (src->target[0] != '/')
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"symlink '%s' must be an absolute path inside the image",
			src->target);
	if (!cfg_size(sec, "to") || !*cfg_getstr(sec, "to"))
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"symlink '%s': say where it points with to = \"...\"",
			src->target);
	if (strlen(cfg_getstr(sec, "to")) >= 4096)
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"symlink '%s': its target is longer than 4095 bytes",
			src->target);
	src->data = config_strdup(cfg_getstr(sec, "to"));
	return 0;
}

static int symlink_add(struct source_ctx *c, const struct os_source *src)
{
	return tree_add_symlink(c->tree, src->target, src->data,
				c->tree->default_mtime);
}

const struct source_kind source_symlink = {
	.conf = {
		.name = "symlink",
		.opts = symlink_opts,
		.parse = symlink_parse,
		.release = free,
	},
	.add = symlink_add,
};
