/* image-type.c - the registry of image types (data files, not code) */
#include "autoconfig.h"

#include <confuse.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conffile.h"
#include "diag.h"
#include "dirlist.h"
#include "image-type.h"
#include "size.h"

static cfg_opt_t type_opts[] = { CFG_STR("description", NULL, CFGF_NODEFAULT),
				 CFG_STR("system", NULL, CFGF_NODEFAULT),
				 CFG_STR("format", NULL, CFGF_NODEFAULT),
				 CFG_STR("output", NULL, CFGF_NODEFAULT),
				 CFG_STR("partition-table", "mbr", CFGF_NONE),
				 CFG_STR("root-offset", "1MiB", CFGF_NONE),
				 CFG_STR("bootloader", "grub-pc", CFGF_NONE),
				 CFG_STR("disk-driver", "hd", CFGF_NONE),
				 CFG_STR("exec-server", "static", CFGF_NONE),
				 CFG_STR("dynamic-linker", "/lib/ld.so.1",
					 CFGF_NONE),
				 CFG_END() };

#define NTYPE_OPTS (sizeof(type_opts) / sizeof(*type_opts) - 1)

/* The kinds of the file being parsed: validating callbacks take no
 * argument of their own. */
static const struct image_type_kinds *parsing;

static const struct conf_kind *find_format(const char *name)
{
	const struct conf_kind *const *k;

	for (k = parsing->formats; name && k && *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

static int one_of(cfg_t *cfg, cfg_opt_t *opt, const char *const *allowed)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char list[256] = "";
	size_t i;

	for (i = 0; allowed && allowed[i]; i++) {
		if (v && !strcmp(v, allowed[i]))
			return 0;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", allowed[i]);
	}
	cfg_error(cfg, "%s '%s' is not one of: %s", opt->name, diag_value(v),
		  list);
	return -1;
}

static int validate_format(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct conf_kind *const *k;
	const char *v = cfg_opt_getnstr(opt, 0);
	char known[256] = "";

	if (find_format(v))
		return 0;
	for (k = parsing->formats; k && *k; k++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
			 "%s%s", k == parsing->formats ? "" : ", ", (*k)->name);
	cfg_error(cfg, "format '%s' is not a known disk format (known: %s)", v,
		  known);
	return -1;
}

static int validate_table(cfg_t *cfg, cfg_opt_t *opt)
{
	return one_of(cfg, opt, parsing->tables);
}

static int validate_bootloader(cfg_t *cfg, cfg_opt_t *opt)
{
	return one_of(cfg, opt, parsing->bootloaders);
}

static int validate_driver(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const ok[] = { "hd", "wd", NULL };

	return one_of(cfg, opt, ok);
}

static int validate_exec(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const ok[] = { "static", "ld.so", NULL };

	return one_of(cfg, opt, ok);
}

static int validate_offset(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t v;

	if (size_parse(cfg_opt_getnstr(opt, 0), &v) || v % 4096 || v < 65536 ||
	    v > (1ULL << 32)) {
		cfg_error(
			cfg,
			"root-offset '%s' must be a multiple of 4 KiB between 64 KiB and 4 GiB (GRUB lives before it)",
			cfg_opt_getnstr(opt, 0));
		return -1;
	}
	return 0;
}

/* The type's options, and every format's (each once), which show unset
 * when unset: the format applies its defaults, and another format's
 * option is an error. */
static cfg_opt_t *type_options(void)
{
	const struct conf_kind *const *k;
	size_t n = NTYPE_OPTS, i, j;
	cfg_opt_t *v;

	for (k = parsing->formats; k && *k; k++)
		for (i = 0; (*k)->opts && (*k)->opts[i].name; i++)
			n++;
	if (!(v = calloc(n + 1, sizeof(*v)))) /* zeroed: CFG_END */
		return NULL;
	memcpy(v, type_opts, NTYPE_OPTS * sizeof(*v));
	n = NTYPE_OPTS;
	for (k = parsing->formats; k && *k; k++)
		for (i = 0; (*k)->opts && (*k)->opts[i].name; i++) {
			for (j = 0;
			     j < n && strcmp(v[j].name, (*k)->opts[i].name);
			     j++)
				;
			if (j < n)
				continue;
			v[n] = (*k)->opts[i];
			v[n++].flags |= CFGF_NODEFAULT;
		}
	return v;
}

static void format_checks(cfg_t *cfg)
{
	const struct conf_kind *const *k;
	const struct conf_check *c;

	for (k = parsing->formats; k && *k; k++)
		for (c = (*k)->checks; c && c->option; c++)
			cfg_set_validate_func(cfg, c->option, c->check);
}

/* An option of another format's, set in this file. */
static const char *foreign_option(cfg_t *cfg, const struct conf_kind *format)
{
	const struct conf_kind *const *k;
	const cfg_opt_t *o, *mine;

	for (k = parsing->formats; k && *k; k++)
		for (o = (*k)->opts; o && o->name; o++) {
			for (mine = format->opts;
			     mine && mine->name && strcmp(mine->name, o->name);
			     mine++)
				;
			if (!(mine && mine->name) && cfg_size(cfg, o->name))
				return o->name;
		}
	return NULL;
}

static char *dup_opt(cfg_t *cfg, const char *name)
{
	const char *v = cfg_getstr(cfg, name);

	return strdup(v ? v : "");
}

static int parse_with(const char *file, const char *name, struct image_type *t,
		      cfg_opt_t *opts);

int image_type_parse(const char *file, const char *name,
		     const struct image_type_kinds *kinds, struct image_type *t)
{
	cfg_opt_t *opts;
	int r;

	memset(t, 0, sizeof(*t));
	parsing = kinds;
	if (!(opts = type_options()))
		return diag_error(EXIT_BUILD, "out of memory");
	r = parse_with(file, name, t, opts);
	free(opts);
	if (r)
		image_type_free(t); /* what was kept before the refusal */
	return r;
}

static int parse_with(const char *file, const char *name, struct image_type *t,
		      cfg_opt_t *opts)
{
	static const char *const required[] = { "description", "system",
						"format", "output" };
	const struct conf_kind *format;
	const char *other;
	cfg_t *cfg;
	size_t i;
	int r;

	cfg = cfg_init(opts, CFGF_NONE);
	if (!cfg)
		return diag_error(EXIT_BUILD, "out of memory");
	format_checks(cfg);
	cfg_set_validate_func(cfg, "format", validate_format);
	cfg_set_validate_func(cfg, "partition-table", validate_table);
	cfg_set_validate_func(cfg, "bootloader", validate_bootloader);
	cfg_set_validate_func(cfg, "disk-driver", validate_driver);
	cfg_set_validate_func(cfg, "exec-server", validate_exec);
	cfg_set_validate_func(cfg, "root-offset", validate_offset);
	r = conffile_parse(cfg, file);
	if (r == CFG_FILE_ERROR) {
		cfg_free(cfg);
		return diag_error(EXIT_USAGE,
				  "%s: cannot read the image type: %s", file,
				  strerror(errno));
	}
	if (r != CFG_SUCCESS) {
		cfg_free(cfg);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(required) / sizeof(*required); i++) {
		if (!cfg_size(cfg, required[i])) {
			cfg_free(cfg);
			return diag_error(EXIT_USAGE,
					  "%s: the image type has no '%s'",
					  file, required[i]);
		}
	}
	t->name = strdup(name);
	t->file = strdup(file);
	t->description = dup_opt(cfg, "description");
	t->system = dup_opt(cfg, "system");
	t->format = dup_opt(cfg, "format");
	t->output = dup_opt(cfg, "output");
	t->partition_table = dup_opt(cfg, "partition-table");
	size_parse(cfg_getstr(cfg, "root-offset"), &t->root_offset);
	t->bootloader = dup_opt(cfg, "bootloader");
	t->driver = strcmp(cfg_getstr(cfg, "disk-driver"), "wd") ? DRIVER_HD :
								   DRIVER_WD;
	t->exec = strcmp(cfg_getstr(cfg, "exec-server"), "ld.so") ?
			  EXEC_STATIC :
			  EXEC_LDSO;
	t->dynamic_linker = dup_opt(cfg, "dynamic-linker");
	format = find_format(t->format);
	if ((other = foreign_option(cfg, format)))
		r = diag_error(EXIT_USAGE,
			       "%s: %s is not an option of %s disks", file,
			       other, t->format);
	else
		r = format->parse(cfg, NULL, 0, t);
	cfg_free(cfg);
	return r;
}

void image_type_free(struct image_type *t)
{
	free(t->name);
	free(t->file);
	free(t->description);
	free(t->system);
	free(t->format);
	free(t->output);
	free(t->partition_table);
	free(t->bootloader);
	free(t->dynamic_linker);
	memset(t, 0, sizeof(*t));
}

static int add_type(struct image_types *reg, struct image_type *t)
{
	struct image_type *n;
	size_t i;

	for (i = 0; i < reg->n; i++) {
		if (!strcmp(reg->types[i].name, t->name)) {
			image_type_free(&reg->types[i]);
			reg->types[i] = *t;
			return 0;
		}
	}
	n = realloc(reg->types, (reg->n + 1) * sizeof(*n));
	if (!n)
		return diag_error(EXIT_BUILD, "out of memory");
	reg->types = n;
	reg->types[reg->n++] = *t;
	return 0;
}

static int type_file(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && name[0] != '.' && !strcmp(name + len - 5, ".conf");
}

int image_types_load_dir(struct image_types *reg, const char *dir, int required)
{
	char **names;
	size_t n, i;
	int r = 0, err = dirlist(dir, type_file, &names, &n);

	if (err)
		return required ?
			       diag_error(
				       EXIT_USAGE,
				       "%s: cannot read the image types directory: %s",
				       dir, strerror(err)) :
			       0;
	for (i = 0; !r && i < n; i++) {
		struct image_type t;
		char *path = malloc(strlen(dir) + strlen(names[i]) + 2);

		if (!path) {
			r = diag_error(EXIT_BUILD, "out of memory");
			break;
		}
		sprintf(path, "%s/%s", dir, names[i]);
		names[i][strlen(names[i]) - 5] = '\0';
		r = image_type_parse(path, names[i], reg->kinds, &t);
		if (!r)
			r = add_type(reg, &t);
		free(path);
	}
	dirlist_free(names, n);
	return r;
}

int image_types_load_builtin(struct image_types *reg)
{
	struct stat st;

	if (!stat(TYPESDIR, &st) && S_ISDIR(st.st_mode))
		return image_types_load_dir(reg, TYPESDIR, 1);
	return image_types_load_dir(reg, SRCTYPESDIR, 0);
}

void image_types_free(struct image_types *reg)
{
	size_t i;

	for (i = 0; i < reg->n; i++)
		image_type_free(&reg->types[i]);
	free(reg->types);
	reg->types = NULL;
	reg->n = 0;
}

static int type_cmp(const void *a, const void *b)
{
	return strcmp(((const struct image_type *)a)->name,
		      ((const struct image_type *)b)->name);
}

int image_types_find(const struct image_types *reg, const char *name,
		     const struct image_type **out)
{
	char list[1024] = "";
	size_t i;

	if (reg->n)
		qsort(reg->types, reg->n, sizeof(*reg->types), type_cmp);
	for (i = 0; i < reg->n; i++) {
		if (!strcmp(reg->types[i].name, name)) {
			*out = &reg->types[i];
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", reg->types[i].name);
	}
	if (!reg->n)
		return diag_error(
			EXIT_USAGE,
			"unknown image type '%s': no image types are installed (use --types-dir DIR)",
			name);
	return diag_error(
		EXIT_USAGE,
		"unknown image type '%s'; known types: %s (see --list-image-types)",
		name, list);
}
