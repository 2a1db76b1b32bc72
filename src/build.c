/* build.c - one run: config and type in, an image out, or nothing at all */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bootloader.h"
#include "build.h"
#include "config.h"
#include "depfile.h"
#include "diag.h"
#include "disk.h"
#include "etc.h"
#include "ext2.h"
#include "guix-db.h"
#include "hurd-boot.h"
#include "hurd.h"
#include "json-out.h"
#include "layout.h"
#include "mbr.h"
#include "output.h"
#include "permissions.h"
#include "progress.h"
#include "size.h"
#include "source.h"
#include "tree.h"

struct run {
	struct os_config cfg;
	const struct image_type *type;
	const struct disk_format *format;
	struct bootloader boot;
	struct hurd_boot policy;	/* what GNU Mach starts, hd or wd */
	struct tree tree;
	struct ext2_plan plan;
	struct layout layout;
	struct disk_options disk_opts;
	int64_t timestamp;
	double seconds[2];	/* reading and laying out, writing */
};

static int choose_size(struct run *r, const struct build_options *o)
{
	uint64_t size = r->cfg.fs_size;
	char buf[32], why[160];
	int err;

	if (o->size && size_parse_or_guess(o->size, &size)) {
		size_explain(o->size, why, sizeof(why));
		return diag_error(EXIT_USAGE, "--size '%s' %s", diag_value(o->size), why);
	}
	if (size == 0) {
		ext2_guess_size(&r->plan, &size);
	} else {
		size = (size + EXT2_BLOCK - 1) / EXT2_BLOCK * EXT2_BLOCK;
		if ((err = ext2_check_fits(&r->plan, size)))
			return err;
	}
	if (size / 512 > UINT32_MAX - r->type->root_offset / 512) {
		size_format(size, buf, sizeof(buf));
		if (!o->size && r->cfg.fs_line)	/* the config's size */
			return diag_error_at(EXIT_USAGE, r->cfg.file, r->cfg.fs_line,
					     "a root file system of %s does not fit in an MBR partition table (2 TiB)",
					     buf);
		return diag_error(EXIT_USAGE,
				  "a root file system of %s does not fit in an MBR partition table (2 TiB)",
				  buf);
	}
	r->layout.root_offset = r->type->root_offset;
	r->layout.fs_size = size;
	r->layout.disk_size = r->type->root_offset + size;
	return 0;
}

/* The default table, changed by the config's translator sections. */
static int add_translators(struct run *r)
{
	struct hurd_translators tt;
	size_t i;
	int err = 0;

	memset(&tt, 0, sizeof(tt));
	if (r->cfg.guix_translators && (err = hurd_default_translators(&tt)))
		return err;
	for (i = 0; !err && i < r->cfg.ntranslators; i++) {
		const struct os_translator *c = &r->cfg.translators[i];

		if (c->remove && hurd_translator_remove(&tt, c->path))
			err = diag_error_at(EXIT_USAGE, r->cfg.file, c->line,
					    "translator '%s': remove = true, but no translator is set there",
					    diag_value(c->path));
		else if (!c->remove)
			err = hurd_translator_set(&tt, c->path, c->argv, c->argc,
						  (uint32_t)c->mode);
	}
	if (!err)
		err = hurd_apply_translators(&r->tree, &tt, r->policy.hurd_dir,
					     r->timestamp);
	hurd_translators_free(&tt);
	return err;
}

static int register_store(struct run *r)
{
	struct guix_db *db = r->tree.guix_db;

	/* Without registration (register-store = false, or an archive), the
	 * system item only boots: the boot policy found it in the tree. */
	if (!db)
		return 0;
	if (r->cfg.guix_system) {
		size_t i;

		for (i = 0; i < db->n && strcmp(db->items[i].path, r->cfg.guix_system); i++)
			;
		if (i == db->n)
			return diag_error_at(EXIT_USAGE, r->cfg.file, r->cfg.guix_system_line,
					     "guix-system %s is not in the closure",
					     diag_value(r->cfg.guix_system));
		db->system = strdup(r->cfg.guix_system);
	}
	return guix_db_add_files(&r->tree, r->timestamp);
}

static void hash_node(void *ctx, struct tree_node *n)
{
	guix_db_hasher_node(ctx, n);
}

static void hash_data(void *ctx, const void *buf, size_t len)
{
	guix_db_hasher_data(ctx, buf, len);
}

/* The boot policy, and what a Guix system's root-device asks of the root
 * file system: its label, or its UUID (set once the identities are). */
static int decide_boot(struct run *r)
{
	const char *want;
	char *label;
	int err;

	if ((err = hurd_boot_decide(&r->policy, &r->tree, &r->cfg, r->type)))
		return err;
	r->boot.boot = &r->policy;
	want = r->policy.root_label;
	if (!want || !strcmp(want, r->cfg.fs_label))
		return 0;
	if (r->cfg.fs_label_line)
		return diag_error_at(EXIT_USAGE, r->cfg.file, r->cfg.fs_label_line,
				     "label \"%s\" differs from the root the system's parameters name (file-system-label \"%s\"); remove label from the configuration",
				     r->cfg.fs_label, want);
	if (strlen(want) > 16)
		return diag_error(EXIT_BUILD,
				  "%s/parameters: the root's label \"%s\" is longer than 16 bytes (ext2's limit)",
				  r->cfg.guix_system, want);
	if (!(label = strdup(want)))
		return diag_error(EXIT_BUILD, "out of memory");
	free(r->cfg.fs_label);
	r->cfg.fs_label = label;
	return 0;
}

/* Everything that decides the image, before a byte is written. */
static int decide(struct run *r, const struct build_options *o)
{
	int err;

	if ((err = layout_timestamp(&r->timestamp)))
		return err;
	if (tree_init(&r->tree, r->timestamp))
		return diag_error(EXIT_BUILD, "out of memory");
	r->tree.max_depth = r->cfg.max_depth;
	r->boot.ops = bootloader_find(r->type->bootloader);
	r->boot.cfg = &r->cfg;
	r->boot.type = r->type;
	if (!r->boot.ops)
		return diag_error(EXIT_USAGE, "%s: unknown bootloader '%s'",
				  r->type->file, r->type->bootloader);
	if ((err = hurd_add_skeleton(&r->tree, r->timestamp)) ||
	    (err = sources_add_all(&r->tree, &r->cfg)) ||
	    (err = decide_boot(r)) ||
	    (err = etc_add(&r->tree, &r->cfg, r->policy.driver, r->timestamp)) ||
	    (err = permissions_apply(&r->tree, &r->cfg)) ||
	    (err = add_translators(r)) ||
	    (err = register_store(r)) ||
	    (err = r->boot.ops->prepare(&r->boot, &r->tree, r->timestamp)) ||
	    (err = ext2_plan_tree(&r->tree, r->cfg.legacy_translators, &r->plan)) ||
	    (err = choose_size(r, o)) ||
	    (err = layout_identities(&r->layout, &r->cfg, r->type, &r->tree)))
		return err;
	/* Guix's image has the UUID its system was built for (mke2fs -U). */
	if (r->policy.has_root_uuid)
		memcpy(r->layout.uuid, r->policy.root_uuid, 16);
	return 0;
}

static int write_image(struct run *r, const char *path)
{
	struct ext2_options eo;
	struct mbr_partition part;
	struct output out;
	struct disk disk;
	struct ext2_observer observer;
	struct guix_db_hasher *hasher = NULL;
	uint8_t sector0[512];
	int err;

	/* An image that carries secrets is for its owner's eyes only. */
	if ((err = output_open(&out, path, "image", r->cfg.secrets ? 0600 : 0644)))
		return err;
	if ((err = disk_open(&disk, r->format, out.fd, path, r->layout.disk_size,
			     &r->disk_opts))) {
		output_abort(&out);
		return err;
	}
	memset(&eo, 0, sizeof(eo));
	eo.size = r->layout.fs_size;
	eo.label = r->cfg.fs_label;
	memcpy(eo.uuid, r->layout.uuid, 16);
	memcpy(eo.hash_seed, r->layout.hash_seed, 16);
	eo.timestamp = r->timestamp;
	if (r->tree.guix_db) {
		hasher = guix_db_hasher_new(r->tree.guix_db);
		if (!hasher) {
			output_abort(&out);
			return diag_error(EXIT_BUILD, "out of memory");
		}
		observer.node = hash_node;
		observer.data = hash_data;
		observer.ctx = hasher;
		eo.observer = &observer;
	}

	memset(sector0, 0, sizeof(sector0));
	part.active = 1;
	part.type = 0x83;
	part.start = (uint32_t)(r->layout.root_offset / 512);
	part.sectors = (uint32_t)(r->layout.fs_size / 512);
	err = ext2_write(&r->tree, &r->plan, &eo, &disk, r->layout.root_offset);
	if (!err && hasher)
		err = guix_db_hasher_finish(hasher);
	guix_db_hasher_free(hasher);
	if (!err)
		err = r->boot.ops->install(&r->boot, &disk, sector0,
					   r->layout.root_offset);
	if (!err) {
		mbr_encode(sector0, r->layout.disk_signature, &part, 1);
		err = disk_write(&disk, sector0, sizeof(sector0), 0);
	}
	if (!err)
		err = disk_finish(&disk);
	disk_close(&disk);
	if (err) {
		output_abort(&out);
		return err;
	}
	return output_commit(&out);
}

static void report(const struct run *r, const char *path)
{
	char disk[32], fs[32], data[32];

	size_format(r->layout.disk_size, disk, sizeof(disk));
	size_format(r->layout.fs_size, fs, sizeof(fs));
	size_format(r->plan.bytes, data, sizeof(data));
	diag_info("%s: %s image, %s disk, root file system %s holding %llu files (%s)",
		  path, r->type->name, disk, fs,
		  (unsigned long long)r->plan.files, data);
}

static int count_translators(struct tree_node *n, void *arg)
{
	size_t i;

	if (n->inode->ino)	/* counted under another name */
		return 0;
	n->inode->ino = 1;
	for (i = 0; i < n->inode->nxattrs; i++)
		if (!strcmp(n->inode->xattrs[i].name, TRANSLATOR_XATTR))
			++*(unsigned long *)arg;
	return 0;
}

static int clear_ino(struct tree_node *n, void *arg)
{
	n->inode->ino = 0;
	return 0;
}

/* --json: one object on one line of stdout; the key names are an
 * interface (documented in mkhurdimg(1)). */
static int print_json(struct run *r, const char *path)
{
	unsigned long translators = 0;
	struct json_out j;
	struct stat st;
	char uuid[40];

	tree_walk(&r->tree, clear_ino, NULL);
	tree_walk(&r->tree, count_translators, &translators);
	tree_walk(&r->tree, clear_ino, NULL);
	layout_uuid_string(r->layout.uuid, uuid);
	json_init(&j, stdout);
	json_begin_object(&j, NULL, 1);
	json_string(&j, "output", path);
	json_string(&j, "image_type", r->type->name);
	json_string(&j, "format", r->type->format);
	json_uint(&j, "virtual_size", r->layout.disk_size);
	json_uint(&j, "file_size", stat(path, &st) ? 0 : (uint64_t)st.st_size);
	json_uint(&j, "root_size", r->layout.fs_size);
	json_string(&j, "root_uuid", uuid);
	json_uint(&j, "files", r->plan.files);
	json_uint(&j, "translators", translators);
	json_begin_object(&j, "elapsed", 1);
	json_fixed3(&j, "read", r->seconds[0]);
	json_fixed3(&j, "write", r->seconds[1]);
	json_fixed3(&j, "total", r->seconds[0] + r->seconds[1]);
	json_end_object(&j);
	json_end_object(&j);	/* ends the line too */
	if (fflush(stdout) || ferror(stdout))
		return diag_error(EXIT_BUILD, "cannot write the result on stdout");
	return 0;
}

/* --depfile: the config and type file first, then every input.  A
 * configuration on standard input is no file Make can watch. */
static int write_depfile(struct run *r, const struct build_options *o,
			 const char *path)
{
	const char *first[2];
	size_t n = 0;

	if (strcmp(o->config, "-"))
		first[n++] = o->config;
	if (r->type->file)
		first[n++] = r->type->file;
	return depfile_write(o->depfile, path, first, n, &r->tree);
}

/* Options that only a qcow2 type, or only compression, has any use for
 * are refused elsewhere rather than ignored. */
static int check_applies(struct run *r, const struct build_options *o)
{
	static const char *const qcow2_only[] = { "--compress", "--cluster-size",
						  "--preallocation", "--threads" };
	const char *given[] = { o->compress ? "" : NULL, o->cluster_size,
				o->preallocation, o->threads ? "" : NULL };
	size_t i;

	for (i = 0; i < sizeof(given) / sizeof(*given); i++)
		if (given[i] && strcmp(r->type->format, "qcow2"))
			return diag_error(EXIT_USAGE, "%s needs a qcow2 image type; %s is %s",
					  qcow2_only[i], r->type->name,
					  r->type->format);
	if (o->threads && !r->disk_opts.compress)
		return diag_error(EXIT_USAGE,
				  "--threads is for compression: give --compress too (%s does not compress)",
				  r->type->name);
	return 0;
}

/* ---- outputs that are inputs ---- */

struct clash {
	const char *option;		/* "--output", "--depfile" */
	const char *what;		/* "image", "depfile" */
	const char *path;
	struct output_id id;
};

/* WHAT is the input's part ("the configuration file"), or NULL for
 * one of the sources' files. */
static int refuse_clash(const struct clash *c, const char *what,
			const char *input)
{
	return diag_error(EXIT_USAGE, "the %s %s is the same file as %s%s%s%s; choose another %s",
			  c->what, diag_value(c->path), what ? what : "",
			  what ? " " : "", diag_value(input),
			  what ? "" : ", an input of the image", c->option);
}

/* Before anything is read: the outputs against each other, the
 * configuration and the image type file. */
static int check_outputs(const struct run *r, const struct build_options *o,
			 struct clash *c, size_t n)
{
	size_t i;

	if (n == 2 && output_id_same(&c[0].id, &c[1].id))
		return refuse_clash(&c[1], "the image", c[0].path);
	for (i = 0; i < n; i++) {
		if (strcmp(o->config, "-") && output_id_is_input(&c[i].id, o->config))
			return refuse_clash(&c[i], "the configuration file", o->config);
		if (r->type->file && output_id_is_input(&c[i].id, r->type->file))
			return refuse_clash(&c[i], "the image type file", r->type->file);
	}
	return 0;
}

struct clashes {
	struct clash *c;
	size_t n;
};

static int input_clash(const char *input, void *arg)
{
	const struct clashes *cs = arg;
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (output_id_is_input(&cs->c[i].id, input))
			return refuse_clash(&cs->c[i], NULL, input);
	return 0;
}

/* Once the sources are read: the outputs against every input.  Only an
 * output that exists can be one. */
static int check_inputs(struct run *r, struct clash *c, size_t n)
{
	struct clashes cs = { c, n };

	if (!(c[0].id.exists || (n == 2 && c[1].id.exists)))
		return 0;
	return tree_each_input(&r->tree, input_clash, &cs);
}

static size_t outputs(const struct build_options *o, const char *path,
		      struct clash c[2])
{
	size_t n = 0;

	c[n].option = "--output";
	c[n].what = "image";
	c[n].path = path;
	output_id_get(path, &c[n++].id);
	if (o->depfile) {
		c[n].option = "--depfile";
		c[n].what = "depfile";
		c[n].path = o->depfile;
		output_id_get(o->depfile, &c[n++].id);
	}
	return n;
}

static int build(const struct build_options *o, const struct image_types *types)
{
	struct run r;
	struct clash clash[2];
	size_t nclash;
	const char *path;
	double t0, t1;
	int err;

	memset(&r, 0, sizeof(r));
	if ((err = image_types_find(types, o->type, &r.type)))
		return err;
	r.format = disk_format_find(r.type->format);
	if (!r.format)
		return diag_error(EXIT_USAGE, "%s: unknown disk format '%s'",
				  r.type->file, r.type->format);
	r.disk_opts.cluster_bits = r.type->cluster_bits;
	r.disk_opts.prealloc_metadata = r.type->prealloc_metadata;
	r.disk_opts.compress = r.type->compress || o->compress;
	r.disk_opts.threads = o->threads;
	if ((err = check_applies(&r, o)))
		return err;
	path = o->output ? o->output : r.type->output;
	nclash = outputs(o, path, clash);
	if ((err = check_outputs(&r, o, clash, nclash)))
		return err;
	if (o->cluster_size) {
		int bits = image_type_cluster_bits(o->cluster_size);

		if (bits < 0)
			return diag_error(EXIT_USAGE,
					  "--cluster-size '%s' must be a power of two from 512 bytes to 2 MiB",
					  diag_value(o->cluster_size));
		r.disk_opts.cluster_bits = (unsigned)bits;
	}
	if (o->preallocation) {
		if (strcmp(o->preallocation, "off") && strcmp(o->preallocation, "metadata"))
			return diag_error(EXIT_USAGE,
					  "--preallocation '%s' is not one of: off, metadata",
					  diag_value(o->preallocation));
		r.disk_opts.prealloc_metadata = !strcmp(o->preallocation, "metadata");
	}
	if ((err = config_load(o->config, &r.cfg))) {
		config_free(&r.cfg);
		return err;
	}
	t0 = progress_clock();
	err = decide(&r, o);
	if (!err)
		err = check_inputs(&r, clash, nclash);
	t1 = progress_clock();
	r.seconds[0] = t1 - t0;
	if (!err)
		diag_verbose("reading the sources and laying out: %.2f s", t1 - t0);
	/* Before the image: a run that cannot say what it read writes
	 * nothing, and a stale depfile only makes make rebuild. */
	if (!err && r.cfg.secrets)
		diag_warn("%s will hold the secret files of %s (0600, root-owned in the image); the image file is made 0600: keep it private, or leave secrets out and send them at boot (mkhurdimg boot --secrets)",
			  path, r.cfg.secrets);
	if (!err && o->depfile)
		err = write_depfile(&r, o, path);
	if (!err)
		err = write_image(&r, path);
	r.seconds[1] = progress_clock() - t1;
	if (!err)
		diag_verbose("writing the image: %.2f s", r.seconds[1]);
	if (!err) {
		diag_release_warnings(0);
		report(&r, path);
	}
	if (!err && o->json)
		err = print_json(&r, path);
	if (r.boot.ops && r.boot.ops->release)
		r.boot.ops->release(&r.boot);
	hurd_boot_free(&r.policy);
	tree_free(&r.tree);
	config_free(&r.cfg);
	return err;
}

/* Warnings wait for the outcome: a failed build says only why. */
int build_image(const struct build_options *o, const struct image_types *types)
{
	int err;

	output_catch_signals("mkhurdimg");
	diag_hold_warnings();
	err = build(o, types);
	diag_release_warnings(err != 0);
	return err;
}
