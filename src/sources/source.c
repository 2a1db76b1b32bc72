/* source.c - the registry of source kinds */
#include "autoconfig.h"

#include <string.h>

#include "diag.h"
#include "source-archive.h"
#include "source-closure.h"
#include "source-dir.h"
#include "source-file.h"
#include "source-substitutes.h"
#include "source-symlink.h"
#include "source.h"

/* One line per kind: its section in os.conf and its step. */
static const struct source_kind *const kinds[] = {
	&source_directory,   &source_closure, &source_archive,
	&source_substitutes, &source_file,    &source_symlink,
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const struct conf_kind *const *source_conf_kinds(void)
{
	static const struct conf_kind *v[NKINDS + 1];
	size_t i;

	for (i = 0; i < NKINDS; i++)
		v[i] = &kinds[i]->conf;
	return v;
}

static const struct source_kind *kind_of(const struct conf_kind *conf)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (&kinds[i]->conf == conf)
			return kinds[i];
	return NULL;
}

int source_parse_path_target(cfg_t *sec, const struct os_config *cfg, int line,
			     struct os_source *src, int has_target)
{
	src->path = config_resolve(cfg, cfg_title(sec));
	src->target =
		config_strdup(has_target ? cfg_getstr(sec, "target") : "/");
	if (src->target[0] != '/')
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"target '%s' must be an absolute path inside the image",
			diag_value(src->target));
	return 0;
}

int sources_add_all(struct source_ctx *c)
{
	size_t i;
	int r;

	for (i = 0; i < c->cfg->nsources; i++) {
		const struct os_source *s = &c->cfg->sources[i];
		const struct source_kind *k = kind_of(s->kind);

		if (!k)
			return diag_error_at(EXIT_USAGE, c->cfg->file, s->line,
					     "unknown source kind '%s'",
					     s->kind->name);
		diag_verbose("adding %s %s at %s", s->kind->name, s->path,
			     s->target);
		if ((r = k->add(c, s)))
			return r;
	}
	return 0;
}
