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
#include "disk.h"
#include "image-type.h"
#include "size.h"

static cfg_opt_t type_opts[] = {
	CFG_STR("description", NULL, CFGF_NODEFAULT),
	CFG_STR("system", NULL, CFGF_NODEFAULT),
	CFG_STR("format", NULL, CFGF_NODEFAULT),
	CFG_STR("output", NULL, CFGF_NODEFAULT),
	CFG_STR("partition-table", "mbr", CFGF_NONE),
	CFG_STR("root-offset", "1MiB", CFGF_NONE),
	CFG_STR("bootloader", "grub-pc", CFGF_NONE),
	CFG_STR("disk-driver", "hd", CFGF_NONE),
	CFG_STR("exec-server", "static", CFGF_NONE),
	CFG_STR("dynamic-linker", "/lib/ld.so.1", CFGF_NONE),
	CFG_STR("cluster-size", "64KiB", CFGF_NONE),
	CFG_STR("preallocation", "off", CFGF_NONE),
	CFG_BOOL("compress", cfg_false, CFGF_NONE),
	CFG_END()
};

static int one_of(cfg_t *cfg, cfg_opt_t *opt, const char *const *allowed)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char list[256] = "";
	size_t i;

	for (i = 0; allowed[i]; i++) {
		if (v && !strcmp(v, allowed[i]))
			return 0;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", allowed[i]);
	}
	cfg_error(cfg, "%s '%s' is not one of: %s", opt->name, diag_value(v), list);
	return -1;
}

static int validate_format(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (disk_format_find(v))
		return 0;
	cfg_error(cfg, "format '%s' is not a known disk format (known: %s)", v,
		  disk_format_names());
	return -1;
}

static int validate_table(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const ok[] = { "mbr", NULL };

	return one_of(cfg, opt, ok);
}

static int validate_bootloader(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const ok[] = { "grub-pc", NULL };

	return one_of(cfg, opt, ok);
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
		cfg_error(cfg,
			  "root-offset '%s' must be a multiple of 4 KiB between 64 KiB and 4 GiB (GRUB lives before it)",
			  cfg_opt_getnstr(opt, 0));
		return -1;
	}
	return 0;
}

int image_type_cluster_bits(const char *text)
{
	uint64_t v;
	int bits;

	if (size_parse(text, &v))
		return -1;
	for (bits = 9; bits <= 21; bits++)
		if (v == 1ULL << bits)
			return bits;
	return -1;
}

static int validate_cluster(cfg_t *cfg, cfg_opt_t *opt)
{
	if (image_type_cluster_bits(cfg_opt_getnstr(opt, 0)) < 0) {
		cfg_error(cfg, "cluster-size '%s' must be a power of two from 512 bytes to 2 MiB",
			  cfg_opt_getnstr(opt, 0));
		return -1;
	}
	return 0;
}

static int validate_prealloc(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const ok[] = { "off", "metadata", NULL };

	return one_of(cfg, opt, ok);
}

static char *dup_opt(cfg_t *cfg, const char *name)
{
	const char *v = cfg_getstr(cfg, name);

	return strdup(v ? v : "");
}

int image_type_parse(const char *file, const char *name, struct image_type *t)
{
	static const char *const required[] = { "description", "system",
						"format", "output" };
	cfg_t *cfg;
	size_t i;
	int r;

	memset(t, 0, sizeof(*t));
	cfg = cfg_init(type_opts, CFGF_NONE);
	if (!cfg)
		return diag_error(EXIT_BUILD, "out of memory");
	cfg_set_validate_func(cfg, "format", validate_format);
	cfg_set_validate_func(cfg, "partition-table", validate_table);
	cfg_set_validate_func(cfg, "bootloader", validate_bootloader);
	cfg_set_validate_func(cfg, "disk-driver", validate_driver);
	cfg_set_validate_func(cfg, "exec-server", validate_exec);
	cfg_set_validate_func(cfg, "root-offset", validate_offset);
	cfg_set_validate_func(cfg, "cluster-size", validate_cluster);
	cfg_set_validate_func(cfg, "preallocation", validate_prealloc);
	r = conffile_parse(cfg, file);
	if (r == CFG_FILE_ERROR) {
		cfg_free(cfg);
		return diag_error(EXIT_USAGE, "%s: cannot read the image type: %s",
				  file, strerror(errno));
	}
	if (r != CFG_SUCCESS) {
		cfg_free(cfg);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(required) / sizeof(*required); i++) {
		if (!cfg_size(cfg, required[i])) {
			cfg_free(cfg);
			return diag_error(EXIT_USAGE,
					  "%s: the image type has no '%s'", file,
					  required[i]);
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
	t->driver = strcmp(cfg_getstr(cfg, "disk-driver"), "wd") ? DRIVER_HD
								   : DRIVER_WD;
	t->exec = strcmp(cfg_getstr(cfg, "exec-server"), "ld.so") ? EXEC_STATIC
								   : EXEC_LDSO;
	t->dynamic_linker = dup_opt(cfg, "dynamic-linker");
	t->cluster_bits = (unsigned)image_type_cluster_bits(cfg_getstr(cfg, "cluster-size"));
	t->prealloc_metadata = !strcmp(cfg_getstr(cfg, "preallocation"), "metadata");
	t->compress = cfg_getbool(cfg, "compress") == cfg_true;
	cfg_free(cfg);
	return 0;
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
		return required ? diag_error(EXIT_USAGE,
					     "%s: cannot read the image types directory: %s",
					     dir, strerror(err)) : 0;
	for (i = 0; !r && i < n; i++) {
		struct image_type t;
		char *path = malloc(strlen(dir) + strlen(names[i]) + 2);

		if (!path) {
			r = diag_error(EXIT_BUILD, "out of memory");
			break;
		}
		sprintf(path, "%s/%s", dir, names[i]);
		names[i][strlen(names[i]) - 5] = '\0';
		r = image_type_parse(path, names[i], &t);
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
		return diag_error(EXIT_USAGE,
				  "unknown image type '%s': no image types are installed (use --types-dir DIR)",
				  name);
	return diag_error(EXIT_USAGE,
			  "unknown image type '%s'; known types: %s (see --list-image-types)",
			  name, list);
}
