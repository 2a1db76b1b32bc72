/* part-ext2.c - an ext2 partition: the part of the tree under its mount
 * point, as the Hurd's ext2 file system
 *
 *   partition "home" { type = ext2  mount-point = "/home"  label = "home" }
 *
 * The root file system is one too (mounted at /); its label and size may
 * also come from the file-system "/" section.
 */
#include "autoconfig.h"

#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "partition.h"
#include "size.h"

static cfg_opt_t ext2_opts[] = { CFG_STR("mount-point", NULL, CFGF_NODEFAULT),
				 CFG_STR("label", NULL, CFGF_NODEFAULT),
				 CFG_END() };

static const struct conf_check ext2_checks[] = {
	{ "label", config_check_label },
	{ NULL, NULL },
};

static int ext2_parse(cfg_t *sec, const struct os_config *cfg, int line,
		      void *object)
{
	struct os_partition *p = object;

	if (cfg_size(sec, "label"))
		p->label = config_strdup(cfg_getstr(sec, "label"));
	if (!cfg_size(sec, "mount-point"))
		return 0; /* a file system of its own, empty */
	p->mount_point = config_strdup(cfg_getstr(sec, "mount-point"));
	if (!config_image_path_ok(p->mount_point))
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"partition '%s': mount-point '%s' is not an absolute path in the image (no '.', '..' or empty parts)",
			p->name, p->mount_point);
	return 0;
}

static int is_root(const struct layout_part *p, const struct layout_request *rq)
{
	return p->cfg == &rq->cfg->partitions[rq->cfg->root_partition];
}

/* The root's size: --size, the configuration's, or a guess. */
static int size_of(struct layout_part *p, const struct layout_request *rq,
		   uint64_t *size, int *given)
{
	*size = is_root(p, rq) ? rq->cfg->fs_size : p->cfg->size;
	*given = *size != 0;
	if (is_root(p, rq) && rq->size) {
		char why[160];

		if (size_parse_or_guess(rq->size, size)) {
			size_explain(rq->size, why, sizeof(why));
			return diag_error(EXIT_USAGE, "--size '%s' %s",
					  diag_value(rq->size), why);
		}
		*given = *size != 0;
	}
	return 0;
}

static int ext2_plan(struct layout_part *p, const struct layout_request *rq)
{
	uint64_t size;
	int given, r;

	if ((r = ext2_plan_tree(p->tree, rq->cfg->legacy_translators,
				&p->plan)) ||
	    (r = size_of(p, rq, &size, &given)))
		return r;
	if (!given)
		return ext2_guess_size(&p->plan, &p->size);
	p->size = (size + EXT2_BLOCK - 1) / EXT2_BLOCK * EXT2_BLOCK;
	return ext2_check_fits(&p->plan, p->size);
}

static void hash_u64(gcry_md_hd_t md, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	gcry_md_write(md, b, 8);
}

static int hash_node(struct tree_node *n, void *arg)
{
	gcry_md_hd_t md = arg;
	const struct tree_inode *ino = n->inode;
	char path[4096];
	size_t i;

	tree_path(n, path, sizeof(path));
	gcry_md_write(md, path, strlen(path) + 1);
	hash_u64(md, ino->mode);
	hash_u64(md, ino->uid);
	hash_u64(md, ino->gid);
	hash_u64(md, (uint64_t)ino->mtime);
	hash_u64(md, ino->size);
	hash_u64(md, (uint64_t)tree_inode_rdev_major(ino) << 32 |
			     tree_inode_rdev_minor(ino));
	if (tree_inode_data(ino))
		gcry_md_write(md, tree_inode_data(ino), ino->size);
	for (i = 0; i < tree_inode_nxattrs(ino); i++) {
		const struct tree_xattr *x = &tree_inode_xattrs(ino)[i];

		gcry_md_write(md, x->name, strlen(x->name) + 1);
		gcry_md_write(md, x->value, x->len);
	}
	return 0;
}

/* SHA-256 over what decides the file system's bytes: its whole tree
 * (paths, metadata, sizes, symlink targets, generated contents such as
 * grub.cfg), its label and its place; not the container, so a raw and a
 * qcow2 image of one system hold the same disk.  The same tree gives the
 * same identities however it was described (a directory or an archive of
 * it, a graph or a path list). */
int layout_ext2_digest(const struct layout_part *p, uint8_t out[32])
{
	gcry_md_hd_t md;

	if (gcry_md_open(&md, GCRY_MD_SHA256, 0))
		return diag_error(EXIT_BUILD,
				  "libgcrypt: cannot start SHA-256");
	gcry_md_write(md, "mkhurdimg-identities-1", 23);
	gcry_md_write(md, p->label, strlen(p->label) + 1);
	hash_u64(md, p->size);
	hash_u64(md, p->offset);
	tree_walk(p->tree, hash_node, md);
	memcpy(out, gcry_md_read(md, GCRY_MD_SHA256), 32);
	gcry_md_close(md);
	return 0;
}

/* The root's were made from the digest already (layout.c); another file
 * system's come from its own tree, told apart by its place. */
static void ext2_identify(struct layout_part *p, const uint8_t digest[32])
{
	uint8_t d[32];

	if (layout_ext2_digest(p, d))
		memcpy(d, digest, 32);
	memcpy(p->uuid, d, 16);
	p->uuid[6] = (p->uuid[6] & 0x0f) | 0x80; /* RFC 9562 version 8 */
	p->uuid[8] = (p->uuid[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	memcpy(p->hash_seed, d + 16, 16);
}

static int ext2_write_part(const struct layout_part *p, struct disk *d,
			   const struct layout_write *w)
{
	struct ext2_options eo;

	memset(&eo, 0, sizeof(eo));
	eo.size = p->size;
	eo.label = p->label;
	memcpy(eo.uuid, p->uuid, 16);
	memcpy(eo.hash_seed, p->hash_seed, 16);
	eo.timestamp = w->timestamp;
	eo.observer = w->observer;
	return ext2_write(p->tree, &p->plan, &eo, d, p->offset);
}

const struct partition_kind partition_ext2 = {
	.conf = {
		.name = "ext2",
		.opts = ext2_opts,
		.checks = ext2_checks,
		.parse = ext2_parse,
	},
	.mbr_type = 0x83,
	.file_system = 1,
	.plan = ext2_plan,
	.identify = ext2_identify,
	.write = ext2_write_part,
};
