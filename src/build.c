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
#include "output.h"
#include "partition-table.h"
#include "permissions.h"
#include "pool.h"
#include "progress.h"
#include "qcow2.h"
#include "registry.h"
#include "size.h"
#include "source.h"
#include "store.h"
#include "tree.h"

struct run {
	struct os_config cfg;
	const struct image_type *type;
	const struct disk_format *format;
	struct bootloader boot;
	struct hurd_boot policy; /* what GNU Mach starts, hd or wd */
	struct tree tree;
	struct inputs inputs;	  /* host files read, for --depfile */
	struct store_items store; /* store items to register */
	struct layout layout;
	struct disk_options disk_opts;
	int64_t timestamp;
	double seconds[2]; /* reading and laying out, writing */
};

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
			err = diag_error_at(
				EXIT_USAGE, r->cfg.file, c->line,
				"translator '%s': remove = true, but no translator is set there",
				diag_value(c->path));
		else if (!c->remove)
			err = hurd_translator_set(&tt, c->path, c->argv,
						  c->argc, (uint32_t)c->mode);
	}
	if (!err)
		err = hurd_apply_translators(&r->tree, &tt, r->policy.hurd_dir,
					     r->timestamp);
	hurd_translators_free(&tt);
	return err;
}

static int register_store(struct run *r)
{
	/* Without registration (register-store = false, or an archive), the
	 * system item only boots: the boot policy found it in the tree. */
	if (!r->store.n)
		return 0;
	if (r->cfg.guix_system &&
	    !store_items_find(&r->store, r->cfg.guix_system))
		return diag_error_at(EXIT_USAGE, r->cfg.file,
				     r->cfg.guix_system_line,
				     "guix-system %s is not in the closure",
				     diag_value(r->cfg.guix_system));
	return guix_db_add_files(&r->tree, &r->store, r->cfg.guix_system,
				 r->timestamp);
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
		return diag_error_at(
			EXIT_USAGE, r->cfg.file, r->cfg.fs_label_line,
			"label \"%s\" differs from the root the system's parameters name (file-system-label \"%s\"); remove label from the configuration",
			r->cfg.fs_label, want);
	if (strlen(want) > 16)
		return diag_error(
			EXIT_BUILD,
			"%s/parameters: the root's label \"%s\" is longer than 16 bytes (ext2's limit)",
			r->cfg.guix_system, want);
	if (!(label = strdup(want)))
		return diag_error(EXIT_BUILD, "out of memory");
	free(r->cfg.fs_label);
	r->cfg.fs_label = label;
	return 0;
}

/* The files GRUB and GNU Mach load: they must stay on the root. */
static int boot_files(const struct run *r, char ***out, size_t *n)
{
	const struct boot_entry *e = &r->policy.entry;
	char **v = calloc(e->nmodules + 3, sizeof(*v));
	size_t i;

	if (!v)
		return diag_error(EXIT_BUILD, "out of memory");
	v[0] = "/boot";
	v[1] = e->kernel;
	for (i = 0; i < e->nmodules; i++)
		v[2 + i] = e->modules[i].words[0];
	*out = v;
	*n = e->nmodules + 2;
	return 0;
}

static int plan_layout(struct run *r, const struct build_options *o)
{
	struct layout_request rq;
	char **files = NULL;
	size_t nfiles = 0;
	int err;

	memset(&rq, 0, sizeof(rq));
	if ((err = boot_files(r, &files, &nfiles)))
		return err;
	rq.cfg = &r->cfg;
	rq.type = r->type;
	rq.tree = &r->tree;
	rq.inputs = &r->inputs;
	rq.size = o->size;
	rq.gap = r->boot.gap;
	rq.boot_files = files;
	rq.nboot_files = nfiles;
	err = layout_plan(&r->layout, &rq);
	free(files);
	if (err)
		return err;
	/* Guix's image has the UUID its system was built for (mke2fs -U). */
	if (r->policy.has_root_uuid)
		memcpy(r->layout.parts[r->layout.root].uuid,
		       r->policy.root_uuid, 16);
	return 0;
}

/* ---- outputs that are inputs ---- */

struct clash {
	const char *option; /* "--output", "--depfile" */
	const char *what;   /* "image", "depfile" */
	const char *path;
	struct output_id id;
};

/* WHAT is the input's part ("the configuration file"), or NULL for
 * one of the sources' files. */
static int refuse_clash(const struct clash *c, const char *what,
			const char *input)
{
	return diag_error(
		EXIT_USAGE,
		"the %s %s is the same file as %s%s%s%s; choose another %s",
		c->what, diag_value(c->path), what ? what : "", what ? " " : "",
		diag_value(input), what ? "" : ", an input of the image",
		c->option);
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
		if (strcmp(o->config, "-") &&
		    output_id_is_input(&c[i].id, o->config))
			return refuse_clash(&c[i], "the configuration file",
					    o->config);
		if (r->type->file &&
		    output_id_is_input(&c[i].id, r->type->file))
			return refuse_clash(&c[i], "the image type file",
					    r->type->file);
	}
	return 0;
}

struct clashes {
	struct clash *c;
	size_t n;
};

/* A regular file a scan takes, by the status it has. */
static int scanned_clash(void *arg, const char *path, const struct stat *st)
{
	const struct clashes *cs = arg;
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (output_id_is_file(&cs->c[i].id, st))
			return refuse_clash(&cs->c[i], NULL, path);
	return 0;
}

/* An input named by path: looked up once, whatever the number of
 * outputs, and judged as a scanned file is. */
static int input_clash(const char *input, void *arg)
{
	struct stat st;

	return stat(input, &st) ? 0 : scanned_clash(arg, input, &st);
}

/* Only an output that exists can be an input. */
static int any_exists(const struct clashes *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->c[i].id.exists)
			return 1;
	return 0;
}

/* Once the sources are read: the outputs against every input the scans
 * did not check as they went (scanned_clash), each looked up by path. */
static int check_inputs(struct run *r, const struct clashes *cs)
{
	size_t i;
	int err = 0;

	if (!any_exists(cs))
		return 0;
	for (i = 0; !err && i < r->inputs.n; i++)
		err = input_clash(r->inputs.paths[i], (void *)cs);
	if (!err)
		err = tree_each_host_path_file(&r->tree, input_clash,
					       (void *)cs);
	for (i = 0; !err && i < r->layout.nparts; i++)
		if (r->layout.parts[i].detached)
			err = tree_each_host_path_file(&r->layout.parts[i].own,
						       input_clash, (void *)cs);
	return err;
}

/* Everything that decides the image, before a byte is written. */
static int decide(struct run *r, const struct build_options *o,
		  const struct clashes *cs)
{
	const struct partition_table *table;
	struct source_ctx sc;
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
	table = partition_table_find(r->type->partition_table);
	if (!table)
		return diag_error(
			EXIT_USAGE,
			"%s: unknown partition table '%s' (known: %s)",
			r->type->file, r->type->partition_table,
			partition_table_names());
	r->boot.partmap = table->grub_name;
	r->boot.inputs = &r->inputs;
	sc.tree = &r->tree;
	sc.inputs = &r->inputs;
	sc.store = r->cfg.register_store ? &r->store : NULL;
	sc.cfg = &r->cfg;
	/* --threads: the scan looks at entries on helper threads too. */
	sc.pool = pool_new(o->threads ? o->threads : 2);
	sc.check_file = any_exists(cs) ? scanned_clash : NULL;
	sc.check_arg = (void *)cs;
	err = hurd_add_skeleton(&r->tree, r->timestamp);
	if (!err)
		err = sources_add_all(&sc);
	pool_free(sc.pool);
	if (err || (err = decide_boot(r)) ||
	    (err = etc_add(&r->tree, &r->inputs, &r->cfg, r->policy.driver,
			   r->timestamp)) ||
	    (err = permissions_apply(&r->tree, &r->cfg)) ||
	    (err = add_translators(r)) || (err = register_store(r)) ||
	    (err = r->boot.ops->prepare(&r->boot, &r->tree, r->timestamp)))
		return err;
	return plan_layout(r, o);
}

static int write_disk(struct run *r, struct disk *disk)
{
	struct layout_write lw = { r->timestamp, NULL };
	struct ext2_observer observer;
	struct guix_db_hasher *hasher = NULL;
	uint8_t sector0[512];
	int err;

	if (r->store.n) {
		if (!(hasher = guix_db_hasher_new(&r->store)))
			return diag_error(EXIT_BUILD, "out of memory");
		observer.node = hash_node;
		observer.data = hash_data;
		observer.ctx = hasher;
		lw.observer = &observer;
	}
	memset(sector0, 0, sizeof(sector0));
	err = layout_write_partitions(&r->layout, disk, &lw);
	if (!err && hasher)
		err = guix_db_hasher_finish(hasher);
	guix_db_hasher_free(hasher);
	if (!err)
		err = r->boot.ops->install(&r->boot, disk, sector0);
	if (!err)
		err = layout_write_table(&r->layout, disk, sector0);
	return err;
}

static int write_image(struct run *r, const char *path)
{
	struct output out;
	struct disk disk;
	int err;

	/* An image that carries secrets is for its owner's eyes only. */
	if ((err = output_open(&out, path, "image",
			       r->cfg.secrets ? 0600 : 0644)))
		return err;
	if ((err = disk_open(&disk, r->format, out.fd, path,
			     r->layout.disk_size, &r->disk_opts))) {
		output_abort(&out);
		return err;
	}
	err = write_disk(r, &disk);
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
	const struct layout_part *root = &r->layout.parts[r->layout.root];
	char disk[32], fs[32], data[32];

	size_format(r->layout.disk_size, disk, sizeof(disk));
	size_format(root->size, fs, sizeof(fs));
	size_format(root->plan.bytes, data, sizeof(data));
	diag_info(
		"%s: %s image, %s disk, root file system %s holding %llu files (%s)",
		path, r->type->name, disk, fs,
		(unsigned long long)root->plan.files, data);
}

struct translator_count {
	struct tree *t;
	unsigned long n;
};

static int count_translators(struct tree_node *n, void *arg)
{
	struct translator_count *c = arg;
	size_t i;

	if (!tree_visit_first(c->t, n->inode)) /* counted at another name */
		return 0;
	for (i = 0; i < tree_inode_nxattrs(n->inode); i++)
		if (!strcmp(tree_inode_xattrs(n->inode)[i].name,
			    TRANSLATOR_XATTR))
			c->n++;
	return 0;
}

/* --json: one object on one line of stdout; the key names are an
 * interface (documented in mkhurdimg(1)). */
static int print_json(struct run *r, const char *path)
{
	struct translator_count translators = { &r->tree, 0 };
	struct json_out j;
	struct stat st;
	char uuid[40];

	tree_visit_begin(&r->tree);
	tree_walk(&r->tree, count_translators, &translators);
	layout_uuid_string(r->layout.parts[r->layout.root].uuid, uuid);
	json_init(&j, stdout);
	json_begin_object(&j, NULL, 1);
	json_string(&j, "output", path);
	json_string(&j, "image_type", r->type->name);
	json_string(&j, "format", r->type->format);
	json_uint(&j, "virtual_size", r->layout.disk_size);
	json_uint(&j, "file_size", stat(path, &st) ? 0 : (uint64_t)st.st_size);
	json_uint(&j, "root_size", r->layout.parts[r->layout.root].size);
	json_string(&j, "root_uuid", uuid);
	json_uint(&j, "files", r->layout.parts[r->layout.root].plan.files);
	json_uint(&j, "translators", translators.n);
	json_begin_object(&j, "elapsed", 1);
	json_fixed3(&j, "read", r->seconds[0]);
	json_fixed3(&j, "write", r->seconds[1]);
	json_fixed3(&j, "total", r->seconds[0] + r->seconds[1]);
	json_end_object(&j);
	json_end_object(&j); /* ends the line too */
	if (fflush(stdout) || ferror(stdout))
		return diag_error(EXIT_BUILD,
				  "cannot write the result on stdout");
	return 0;
}

/* --depfile: the config and type file first, then every input.  A
 * configuration on standard input is no file Make can watch. */
static int write_depfile(struct run *r, const struct build_options *o,
			 const char *path)
{
	const char *first[2];
	size_t n = 0;

	struct tree **trees = calloc(r->layout.nparts + 1, sizeof(*trees));
	size_t i, ntrees = 0;
	int err;

	if (strcmp(o->config, "-"))
		first[n++] = o->config;
	if (r->type->file)
		first[n++] = r->type->file;
	if (!trees)
		return diag_error(EXIT_BUILD, "out of memory");
	trees[ntrees++] = &r->tree;
	for (i = 0; i < r->layout.nparts; i++)
		if (r->layout.parts[i].detached)
			trees[ntrees++] = &r->layout.parts[i].own;
	err = depfile_write(o->depfile, path, first, n, &r->inputs, trees,
			    ntrees);
	free(trees);
	return err;
}

/* Options that only a qcow2 type has any use for are refused elsewhere
 * rather than ignored.  --threads applies to every type: the scan and
 * the copies use it too. */
static int check_applies(struct run *r, const struct build_options *o)
{
	static const char *const qcow2_only[] = { "--compress",
						  "--cluster-size",
						  "--preallocation" };
	const char *given[] = { o->compress ? "" : NULL, o->cluster_size,
				o->preallocation };
	size_t i;

	for (i = 0; i < sizeof(given) / sizeof(*given); i++)
		if (given[i] && strcmp(r->type->format, "qcow2"))
			return diag_error(
				EXIT_USAGE,
				"%s needs a qcow2 image type; %s is %s",
				qcow2_only[i], r->type->name, r->type->format);
	return 0;
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
	struct config_kinds kinds;
	struct run r;
	struct clash clash[2];
	struct clashes cs = { clash, 0 };
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
	cs.n = nclash;
	if ((err = check_outputs(&r, o, clash, nclash)))
		return err;
	if (o->cluster_size) {
		int bits = qcow2_cluster_bits(o->cluster_size);

		if (bits < 0)
			return diag_error(
				EXIT_USAGE,
				"--cluster-size '%s' must be a power of two from 512 bytes to 2 MiB",
				diag_value(o->cluster_size));
		r.disk_opts.cluster_bits = (unsigned)bits;
	}
	if (o->preallocation) {
		if (strcmp(o->preallocation, "off") &&
		    strcmp(o->preallocation, "metadata"))
			return diag_error(
				EXIT_USAGE,
				"--preallocation '%s' is not one of: off, metadata",
				diag_value(o->preallocation));
		r.disk_opts.prealloc_metadata =
			!strcmp(o->preallocation, "metadata");
	}
	registry_config_kinds(r.type, &kinds);
	if ((err = config_load(o->config, &kinds, &r.cfg))) {
		config_free(&r.cfg);
		return err;
	}
	t0 = progress_clock();
	err = decide(&r, o, &cs);
	if (!err)
		err = check_inputs(&r, &cs);
	t1 = progress_clock();
	r.seconds[0] = t1 - t0;
	if (!err)
		diag_verbose("reading the sources and laying out: %.2f s",
			     t1 - t0);
	/* Before the image: a run that cannot say what it read writes
	 * nothing, and a stale depfile only makes make rebuild. */
	if (!err && r.cfg.secrets)
		diag_warn(
			"%s will hold the secret files of %s (0600, root-owned in the image); the image file is made 0600: keep it private, or leave secrets out and send them at boot (mkhurdimg boot --secrets)",
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
	layout_free(&r.layout); /* first: its trees borrow the tree's streams */
	tree_free(&r.tree);
	inputs_free(&r.inputs);
	store_items_free(&r.store);
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
