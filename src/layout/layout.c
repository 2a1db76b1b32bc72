/* layout.c - the partitions: where each goes, how large, which part of
 * the tree it holds, and the identities derived from the inputs */
#include "autoconfig.h"

#include <errno.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "layout.h"
#include "partition-table.h"
#include "partition.h"

int layout_timestamp(int64_t *ts)
{
	const char *v = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long n;

	*ts = 1;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < 0 || n > INT32_MAX)
		return diag_error(
			EXIT_USAGE,
			"SOURCE_DATE_EPOCH='%s' is not a number of seconds between 0 and 2147483647",
			v);
	*ts = n;
	return 0;
}

static const struct conf_kind *const partition_kinds[] = {
	&partition_ext2.conf,
	&partition_swap.conf,
	&partition_raw.conf,
	NULL,
};

const struct config_kinds *layout_config_kinds(void)
{
	static const struct config_kinds kinds = { .partitions =
							   partition_kinds };

	return &kinds;
}

/* Partitions start on MiB boundaries, as parted and fdisk place them. */
#define ALIGN (1ULL << 20)

static int starts_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/* GRUB boots from the root file system: what it loads must be there. */
static int boot_files_on_root(const struct layout *l,
			      const struct layout_request *rq)
{
	size_t i, k;

	for (i = 0; i < l->nparts; i++) {
		const struct os_partition *c = l->parts[i].cfg;

		if (i == l->root || !c->mount_point)
			continue;
		for (k = 0; k < rq->nboot_files; k++)
			if (starts_under(rq->boot_files[k], c->mount_point))
				return diag_error_at(
					EXIT_USAGE, rq->cfg->file, c->line,
					"partition '%s': mount-point %s would take %s off the root file system, where GRUB and GNU Mach look for it",
					c->name, c->mount_point,
					rq->boot_files[k]);
	}
	return 0;
}

static int depth_cmp(const void *a, const void *b)
{
	const struct layout_part *x = *(const struct layout_part *const *)a;
	const struct layout_part *y = *(const struct layout_part *const *)b;
	size_t dx = 0, dy = 0;
	const char *c;

	for (c = x->cfg->mount_point; *c; c++)
		dx += *c == '/';
	for (c = y->cfg->mount_point; *c; c++)
		dy += *c == '/';
	if (dx != dy)
		return dx < dy ? 1 : -1;
	return strcmp(x->cfg->mount_point, y->cfg->mount_point);
}

/* Each file system but the root takes its part of the tree, the deepest
 * mount point first, so that /home/user is not in /home's. */
static int split_tree(struct layout *l, const struct layout_request *rq)
{
	struct layout_part **v = calloc(l->nparts, sizeof(*v));
	size_t i, n = 0;
	int r = 0;

	if (!v)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < l->nparts; i++) {
		struct layout_part *p = &l->parts[i];

		if (!p->kind->file_system || i == l->root)
			continue;
		if (p->cfg->mount_point)
			v[n++] = p;
		else if (tree_init(&p->own, rq->tree->default_mtime))
			r = diag_error(EXIT_BUILD, "out of memory");
		p->detached = !r;
		p->tree = &p->own;
	}
	qsort(v, n, sizeof(*v), depth_cmp);
	for (i = 0; !r && i < n; i++) {
		if (tree_detach(rq->tree, v[i]->cfg->mount_point, &v[i]->own))
			r = EXIT_BUILD;
		else
			v[i]->detached = 1;
	}
	free(v);
	l->parts[l->root].tree = rq->tree;
	return r;
}

static int too_small_gap(const struct layout *l,
			 const struct layout_request *rq)
{
	const struct layout_part *p = &l->parts[0];
	char what[300];

	if (!l->nparts || p->offset >= 512 + rq->gap)
		return 0;
	return diag_error_at(
		EXIT_USAGE, rq->cfg->file, p->cfg->line,
		"GRUB's core.img (%llu bytes) does not fit before %s at byte %llu; give it a larger offset, or use an image type with a larger root-offset",
		(unsigned long long)rq->gap,
		config_partition_what(p->cfg, what, sizeof(what)),
		(unsigned long long)p->offset);
}

/* Offsets in table order: as given, or the next MiB boundary. */
static int place(struct layout *l, const struct layout_request *rq)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < l->nparts; i++) {
		struct layout_part *p = &l->parts[i];
		const struct os_partition *c = p->cfg;

		if (c->offset)
			p->offset = c->offset;
		else if (i == 0)
			p->offset = rq->type->root_offset;
		else
			p->offset = (end + ALIGN - 1) / ALIGN * ALIGN;
		if (p->offset < end || (i == 0 && p->offset < 512)) {
			char what[300];

			return diag_error_at(
				EXIT_USAGE, rq->cfg->file, c->line,
				"%s at byte %llu overlaps %s",
				config_partition_what(c, what, sizeof(what)),
				(unsigned long long)p->offset,
				i ? "the partition before it" :
				    "the partition table");
		}
		end = p->offset + p->size;
	}
	l->disk_size = end;
	return too_small_gap(l, rq);
}

static int new_parts(struct layout *l, const struct layout_request *rq)
{
	const struct os_config *cfg = rq->cfg;
	size_t i;

	l->parts = calloc(cfg->npartitions, sizeof(*l->parts));
	if (!l->parts)
		return diag_error(EXIT_BUILD, "out of memory");
	l->nparts = cfg->npartitions;
	l->root = cfg->root_partition;
	for (i = 0; i < l->nparts; i++) {
		struct layout_part *p = &l->parts[i];
		const struct os_partition *c = &cfg->partitions[i];

		p->cfg = c;
		p->kind = partition_kind_of(c->kind);
		p->number = (unsigned)i + 1;
		p->mbr_type = c->mbr_type >= 0 ? (uint8_t)c->mbr_type :
						 p->kind->mbr_type;
		p->active = i == l->root;
		if (i == l->root)
			p->label = cfg->fs_label;
		else if (c->label)
			p->label = c->label;
		else if (p->kind == &partition_swap && strlen(c->name) <= 16)
			p->label = c->name; /* what blkid shows as LABEL */
		else
			p->label = "";
	}
	return 0;
}

int layout_plan(struct layout *l, const struct layout_request *rq)
{
	uint8_t digest[32];
	size_t i;
	int r;

	memset(l, 0, sizeof(*l));
	l->table = partition_table_find(rq->type->partition_table);
	if (!l->table)
		return diag_error(
			EXIT_USAGE,
			"%s: unknown partition table '%s' (known: %s)",
			rq->type->file, rq->type->partition_table,
			partition_table_names());
	if ((r = new_parts(l, rq)) || (r = boot_files_on_root(l, rq)) ||
	    (r = split_tree(l, rq)))
		return r;
	for (i = 0; i < l->nparts; i++)
		if ((r = l->parts[i].kind->plan(&l->parts[i], rq)))
			return r;
	if ((r = place(l, rq)) || (r = l->table->check(l, rq->cfg)) ||
	    (r = layout_ext2_digest(&l->parts[l->root], digest)))
		return r;
	l->disk_signature = (uint32_t)digest[0] | (uint32_t)digest[1] << 8 |
			    (uint32_t)digest[2] << 16 |
			    (uint32_t)digest[3] << 24;
	for (i = 0; i < l->nparts; i++)
		if (l->parts[i].kind->identify)
			l->parts[i].kind->identify(&l->parts[i], digest);
	return 0;
}

void layout_free(struct layout *l)
{
	size_t i;

	for (i = 0; i < l->nparts; i++)
		if (l->parts[i].detached)
			tree_free(&l->parts[i].own);
	free(l->parts);
	memset(l, 0, sizeof(*l));
}

int layout_write_partitions(const struct layout *l, struct disk *d,
			    const struct layout_write *w)
{
	size_t i;
	int r;

	for (i = 0; i < l->nparts; i++)
		if ((r = l->parts[i].kind->write(&l->parts[i], d, w)))
			return r;
	return 0;
}

int layout_write_table(const struct layout *l, struct disk *d,
		       uint8_t sector0[512])
{
	int r = l->table->write(l, d, sector0);

	return r ? r : disk_write(d, sector0, 512, 0);
}

void layout_uuid_string(const uint8_t uuid[16], char out[37])
{
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		sprintf(out + o, "%02x", uuid[i]);
		o += 2;
	}
	out[o] = '\0';
}
