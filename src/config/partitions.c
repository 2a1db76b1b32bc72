/* partitions.c - partition "NAME" { ... } sections of os.conf
 *
 *   partition "swap" { type = swap  size = 512MiB }
 *   partition "home" { type = ext2  size = 1GiB  mount-point = "/home" }
 *
 * A partition's type is a kind of the layout stage: its options are
 * spliced into the section, and an option of another type set here is an
 * error naming it, so that "image" on an ext2 partition is not silently
 * ignored.
 */
#include "autoconfig.h"

#include <confuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "config-partitions.h"
#include "diag.h"
#include "size.h"

static const cfg_opt_t base_opts[] = {
	CFG_STR("type", NULL, CFGF_NODEFAULT),
	CFG_STR("size", NULL, CFGF_NODEFAULT),
	CFG_STR("offset", NULL, CFGF_NODEFAULT),
	CFG_INT("partition-type", -1, CFGF_NODEFAULT), CFG_END()
};

#define NBASE (sizeof(base_opts) / sizeof(*base_opts) - 1)

static int has_option(const cfg_opt_t *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (!strcmp(opts->name, name))
			return 1;
	return 0;
}

static size_t count_options(const cfg_opt_t *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	return n;
}

cfg_opt_t *partition_options(const struct config_kinds *kinds)
{
	const struct conf_kind *const *k;
	size_t n = NBASE, i;
	cfg_opt_t *v;

	for (k = kinds ? kinds->partitions : NULL; k && *k; k++)
		n += count_options((*k)->opts);
	v = calloc(n + 1, sizeof(*v)); /* zeroed: the tail reads as CFG_END */
	if (!v)
		return NULL;
	memcpy(v, base_opts, NBASE * sizeof(*v));
	n = NBASE;
	for (k = kinds ? kinds->partitions : NULL; k && *k; k++)
		for (i = 0; (*k)->opts && (*k)->opts[i].name; i++) {
			if (has_option(v, (*k)->opts[i].name))
				continue; /* shared, e.g. label */
			v[n] = (*k)->opts[i];
			/* Unset must show as unset: the kind applies its
			 * defaults, and another type's option is an error. */
			v[n].flags |= CFGF_NODEFAULT;
			n++;
		}
	return v;
}

static int check_offset(cfg_t *sec, cfg_opt_t *opt)
{
	uint64_t v;

	if (size_parse(cfg_opt_getnstr(opt, 0), &v) || v % 512) {
		cfg_error(
			sec,
			"offset '%s' must be a size in bytes, a multiple of 512",
			cfg_opt_getnstr(opt, 0));
		return -1;
	}
	return 0;
}

static int check_mbr_type(cfg_t *sec, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, 0);

	if (v < 1 || v > 255) {
		cfg_error(
			sec,
			"partition-type %ld is out of range (1 to 255, e.g. 0x83)",
			v);
		return -1;
	}
	return 0;
}

void partition_checks(cfg_t *cfg, const struct config_kinds *kinds)
{
	const struct conf_kind *const *k;
	const struct conf_check *c;
	char name[128];

	cfg_set_validate_func(cfg, "partition|size", config_check_size);
	cfg_set_validate_func(cfg, "partition|offset", check_offset);
	cfg_set_validate_func(cfg, "partition|partition-type", check_mbr_type);
	for (k = kinds ? kinds->partitions : NULL; k && *k; k++)
		for (c = (*k)->checks; c && c->option; c++) {
			snprintf(name, sizeof(name), "partition|%s", c->option);
			cfg_set_validate_func(cfg, name, c->check);
		}
}

static const struct conf_kind *find_kind(const struct config_kinds *kinds,
					 const char *name)
{
	const struct conf_kind *const *k;

	for (k = kinds ? kinds->partitions : NULL; k && *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

static void kind_names(const struct config_kinds *kinds, char *buf, size_t len)
{
	const struct conf_kind *const *k;
	size_t o = 0;

	buf[0] = '\0';
	for (k = kinds ? kinds->partitions : NULL; k && *k && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
				      k == kinds->partitions ? "" : ", ",
				      (*k)->name);
}

/* An option of another type's, set in this section. */
static int foreign_option(cfg_t *sec, const struct config_kinds *kinds,
			  const struct conf_kind *kind, const char **which)
{
	const struct conf_kind *const *k;
	const cfg_opt_t *o;

	for (k = kinds->partitions; *k; k++)
		for (o = (*k)->opts; o && o->name; o++)
			if (!has_option(base_opts, o->name) &&
			    !has_option(kind->opts, o->name) &&
			    cfg_size(sec, o->name)) {
				*which = o->name;
				return 1;
			}
	return 0;
}

static int collect_one(cfg_t *sec, struct os_config *out,
		       const struct config_kinds *kinds, struct os_partition *p)
{
	const char *type = cfg_size(sec, "type") ? cfg_getstr(sec, "type") :
						   NULL;
	const char *which;
	char names[128];

	p->name = config_strdup(cfg_title(sec));
	p->line = conffile_section("partition", cfg_title(sec), 0, NULL);
	p->mbr_type = -1;
	kind_names(kinds, names, sizeof(names));
	if (!type)
		return diag_error_at(EXIT_USAGE, out->file, p->line,
				     "partition '%s': give its type (%s)",
				     p->name, names);
	if (!(p->kind = find_kind(kinds, type)))
		return diag_error_at(
			EXIT_USAGE, out->file, p->line,
			"partition '%s': type '%s' is not one of: %s", p->name,
			type, names);
	if (foreign_option(sec, kinds, p->kind, &which))
		return diag_error_at(
			EXIT_USAGE, out->file, p->line,
			"partition '%s': %s is not an option of %s partitions",
			p->name, which, type);
	if (cfg_size(sec, "size"))
		size_parse_or_guess(cfg_getstr(sec, "size"), &p->size);
	if (cfg_size(sec, "offset"))
		size_parse(cfg_getstr(sec, "offset"), &p->offset);
	if (cfg_size(sec, "partition-type"))
		p->mbr_type = (int)cfg_getint(sec, "partition-type");
	return p->kind->parse(sec, out, p->line, p);
}

/* The root's label and size are the file-system "/" section's; a root
 * partition section may give them instead, not as well. */
static int root_from_fs(struct os_config *out, struct os_partition *p)
{
	if (p->label && out->fs_label_line)
		return diag_error_at(
			EXIT_USAGE, out->file, p->line,
			"partition '%s': the root's label is given twice (here and in file-system \"/\" at line %d)",
			p->name, out->fs_label_line);
	if (p->size && out->fs_size)
		return diag_error_at(
			EXIT_USAGE, out->file, p->line,
			"partition '%s': the root's size is given twice (here and in file-system \"/\" at line %d)",
			p->name, out->fs_line);
	if (p->label) {
		free(out->fs_label);
		out->fs_label = config_strdup(p->label);
		out->fs_label_line = p->line;
	}
	if (p->size)
		out->fs_size = p->size;
	return 0;
}

static int place_root(struct os_config *out, const struct config_kinds *kinds)
{
	size_t i, root = (size_t)-1;
	struct os_partition *v;

	for (i = 0; i < out->npartitions; i++) {
		const char *m = out->partitions[i].mount_point;

		if (!m || strcmp(m, "/"))
			continue;
		if (root != (size_t)-1)
			return diag_error_at(
				EXIT_USAGE, out->file, out->partitions[i].line,
				"partition '%s': a second partition mounted at / (the first is '%s')",
				out->partitions[i].name,
				out->partitions[root].name);
		root = i;
	}
	if (root != (size_t)-1) {
		out->root_partition = root;
		return root_from_fs(out, &out->partitions[root]);
	}
	/* None: the root is partition 1, before the declared ones. */
	v = realloc(out->partitions, (out->npartitions + 1) * sizeof(*v));
	if (!v)
		return diag_error(EXIT_BUILD, "out of memory");
	memmove(v + 1, v, out->npartitions * sizeof(*v));
	memset(v, 0, sizeof(*v));
	v->name = config_strdup("root");
	v->implicit = 1;
	v->line = out->fs_line;
	v->kind = find_kind(kinds, "ext2");
	v->mount_point = config_strdup("/");
	v->mbr_type = -1;
	out->partitions = v;
	out->npartitions++;
	out->root_partition = 0;
	return 0;
}

static int unique_mount_points(const struct os_config *out)
{
	size_t i, j;

	for (i = 0; i < out->npartitions; i++)
		for (j = 0; j < i; j++) {
			const struct os_partition *a = &out->partitions[i],
						  *b = &out->partitions[j];

			if (a->mount_point && b->mount_point &&
			    !strcmp(a->mount_point, b->mount_point))
				return diag_error_at(
					EXIT_USAGE, out->file, a->line,
					"partition '%s': mount-point %s is partition '%s''s too",
					a->name, a->mount_point, b->name);
		}
	return 0;
}

int partitions_collect(cfg_t *cfg, struct os_config *out,
		       const struct config_kinds *kinds)
{
	size_t i, n = cfg_size(cfg, "partition");
	int r;

	out->partitions = calloc(n ? n : 1, sizeof(*out->partitions));
	if (!out->partitions)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < n; i++) {
		out->npartitions = i + 1;
		if ((r = collect_one(cfg_getnsec(cfg, "partition", i), out,
				     kinds, &out->partitions[i])))
			return r;
	}
	if ((r = unique_mount_points(out)))
		return r;
	return place_root(out, kinds);
}

const char *config_partition_what(const struct os_partition *p, char *buf,
				  size_t len)
{
	if (p->implicit)
		snprintf(buf, len, "the root file system");
	else
		snprintf(buf, len, "partition '%s'", p->name);
	return buf;
}

void partitions_free(struct os_config *out)
{
	size_t i;

	for (i = 0; i < out->npartitions; i++) {
		struct os_partition *p = &out->partitions[i];

		if (p->kind && p->kind->release)
			p->kind->release(p->data);
		free(p->name);
		free(p->mount_point);
		free(p->label);
	}
	free(out->partitions);
	out->partitions = NULL;
	out->npartitions = 0;
}
