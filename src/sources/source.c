/* source.c - the registry of source kinds */
#include "autoconfig.h"

#include <string.h>

#include "diag.h"
#include "source.h"

static const struct source_kind *const kinds[] = {
	&source_directory,
	&source_closure,
	&source_archive,
	&source_substitutes,
	&source_file,
};

static const struct source_kind *kind_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

int sources_add_all(struct tree *t, const struct os_config *cfg)
{
	size_t i;
	int r;

	for (i = 0; i < cfg->nsources; i++) {
		const struct os_source *s = &cfg->sources[i];
		const struct source_kind *k = kind_find(s->kind);

		if (!k)
			return diag_error_at(EXIT_USAGE, cfg->file, s->line,
					     "unknown source kind '%s'", s->kind);
		diag_verbose("adding %s %s at %s", s->kind, s->path, s->target);
		if ((r = k->add(t, cfg, s)))
			return r;
	}
	return 0;
}
