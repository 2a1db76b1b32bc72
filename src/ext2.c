/* ext2.c - Hurd ext2 parameters and the fast population path (libext2fs)
 *
 * libext2fs lays out the file system (groups, bitmaps, inode tables) and
 * writes inodes, xattrs, bitmaps and superblocks.  Everything that grows
 * with the tree is done here in bulk: blocks are handed out by a cursor
 * that only moves forward, each file's blocks form as few runs as the
 * group layout allows and its bytes go out in large writes, and each
 * directory's entry blocks are built in memory from the sorted tree and
 * written once.  No ext2fs_link() and no ext2fs_file_write(): the first is
 * quadratic on large directories in 1.47.0, the second works a block at a
 * time.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ext2fs/ext2fs.h>

#include "array.h"
#include "diag.h"
#include "ext2.h"
#include "copier.h"
#include "fullio.h"
#include "hostfile.h"
#include "prefetch.h"
#include "progress.h"
#include "size.h"

#define ADDR_PER_BLOCK (EXT2_BLOCK / 4)
#define CHUNK_BLOCKS 256    /* 1 MiB per write */
#define INODE_RATIO 16384   /* bytes per inode, as mke2fs */
#define FAST_SYMLINK_MAX 59 /* fits in i_block[] */
#define GUESS_MARGIN_PERCENT 25

/* Logical blocks the indirect tree can map with 4 KiB blocks. */
static const uint64_t max_file_blocks =
	EXT2_NDIR_BLOCKS + ADDR_PER_BLOCK +
	(uint64_t)ADDR_PER_BLOCK * ADDR_PER_BLOCK +
	(uint64_t)ADDR_PER_BLOCK * ADDR_PER_BLOCK * ADDR_PER_BLOCK;

/* Which logical blocks of a file hold data: all of the first NBLOCKS, or
 * those that meet an extent of a sparse file. */
struct blockset {
	uint64_t nblocks;
	const struct tree_extent *ext;
	size_t next;
};

/* Does any block of [first, first + count) hold data? */
static int bs_any(const struct blockset *s, uint64_t first, uint64_t count)
{
	uint64_t lo = first * EXT2_BLOCK, hi;
	size_t a = 0, b = s->next;

	if (first >= s->nblocks)
		return 0;
	if (!s->ext)
		return 1;
	hi = (first + count) * EXT2_BLOCK;
	/* The first extent ending after LO. */
	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (s->ext[m].offset + s->ext[m].length <= lo)
			a = m + 1;
		else
			b = m;
	}
	return a < s->next && s->ext[a].offset < hi;
}

/*
 * Visit a file's blocks in the order the kernel allocates them and e2fsck
 * walks them: the 12 direct blocks, then each indirect block just before
 * what it maps.  Subtrees without data (holes) get no block at all.
 * Without TAKE it only counts; with it, each block comes from TAKE and
 * the callbacks see the data blocks and the filled indirect blocks.
 */
struct bwalk {
	const struct blockset *set;
	uint64_t data, meta;
	blk64_t (*take)(void *ctx);
	int (*on_data)(void *ctx, blk64_t phys, uint64_t logical);
	int (*on_indirect)(void *ctx, blk64_t phys, const uint32_t *ptr);
	void *ctx;
	int err;
};

static blk64_t walk_level(struct bwalk *b, int level, uint64_t base)
{
	uint64_t span = 1, child;
	uint32_t ptr[ADDR_PER_BLOCK];
	blk64_t self;
	int i, l;

	for (l = 0; l < level; l++)
		span *= ADDR_PER_BLOCK;
	if (b->err || !bs_any(b->set, base, span))
		return 0;
	self = b->take ? b->take(b->ctx) : 1;
	if (level == 0) {
		b->data++;
		if (b->take && !b->err)
			b->err = b->on_data(b->ctx, self, base);
		return self;
	}
	b->meta++;
	child = span / ADDR_PER_BLOCK;
	memset(ptr, 0, sizeof(ptr));
	for (i = 0; i < ADDR_PER_BLOCK; i++)
		ptr[i] = ext2fs_cpu_to_le32((uint32_t)walk_level(
			b, level - 1, base + (uint64_t)i * child));
	if (b->take && !b->err)
		b->err = b->on_indirect(b->ctx, self, ptr);
	return self;
}

/* Walk a whole file; with TAKE, fill I_BLOCK. */
static int walk_file(struct bwalk *b, uint32_t *i_block)
{
	uint64_t base = EXT2_NDIR_BLOCKS, span = ADDR_PER_BLOCK;
	int i, level;

	for (i = 0; i < EXT2_NDIR_BLOCKS; i++) {
		blk64_t p = walk_level(b, 0, (uint64_t)i);

		if (i_block)
			i_block[i] = (uint32_t)p;
	}
	for (level = 1; level <= 3; level++) {
		blk64_t p = walk_level(b, level, base);

		if (i_block)
			i_block[EXT2_NDIR_BLOCKS + level - 1] = (uint32_t)p;
		base += span;
		span *= ADDR_PER_BLOCK;
	}
	return b->err;
}

static uint32_t rec_len(size_t namelen)
{
	return (uint32_t)((8 + namelen + 3) & ~3u);
}

/* Blocks a directory's entries take, packed in sorted order. */
static uint64_t dir_blocks(const struct tree_node *n)
{
	uint64_t blocks = 1;
	uint32_t used = rec_len(1) + rec_len(2), i;

	uint32_t nk = tree_nkids(n);
	struct tree_node *const *kids = tree_kids(n);

	for (i = 0; i < nk; i++) {
		uint32_t r = rec_len(strlen(kids[i]->name));

		if (used + r > EXT2_BLOCK) {
			blocks++;
			used = 0;
		}
		used += r;
	}
	if (blocks < tree_inode_min_blocks(n->inode))
		blocks = tree_inode_min_blocks(n->inode);
	return blocks;
}

static uint64_t logical_blocks(const struct tree_node *n)
{
	const struct tree_inode *ino = n->inode;

	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
		return dir_blocks(n);
	case S_IFREG:
		return (ino->size + EXT2_BLOCK - 1) / EXT2_BLOCK;
	case S_IFLNK:
		return ino->size > FAST_SYMLINK_MAX ? 1 : 0;
	default:
		return 0;
	}
}

static void node_blockset(const struct tree_node *n, struct blockset *set)
{
	size_t next;

	set->nblocks = logical_blocks(n);
	set->ext = S_ISREG(n->inode->mode) ?
			   tree_inode_extents(n->inode, &next) :
			   NULL;
	set->next = set->ext ? next : 0;
}

/* Data and indirect blocks of N. */
static void count_blocks(const struct tree_node *n, uint64_t *data,
			 uint64_t *meta)
{
	struct blockset set;
	struct bwalk b;

	node_blockset(n, &set);
	memset(&b, 0, sizeof(b));
	b.set = &set;
	walk_file(&b, NULL);
	*data = b.data;
	*meta = b.meta;
}

/* Is xattr X the translator, stored as a legacy record instead? */
static int is_legacy(const struct tree_xattr *x, int legacy)
{
	return legacy && !strcmp(x->name, TRANSLATOR_XATTR);
}

/* Bytes of the EA block for INO's xattrs (0: none); -1 if too big. */
static long xattr_bytes(const struct tree_inode *ino, int legacy)
{
	const struct tree_xattr *x = tree_inode_xattrs(ino);
	size_t i, total = 32 + 4, n = 0;

	for (i = 0; i < tree_inode_nxattrs(ino); i++) {
		if (is_legacy(&x[i], legacy))
			continue;
		n++;
		const char *dot = strchr(x[i].name, '.');
		size_t namelen = dot ? strlen(dot + 1) : strlen(x[i].name);

		total += ((16 + namelen + 3) & ~3u) + ((x[i].len + 3) & ~3u);
	}
	if (!n)
		return 0;
	return total > EXT2_BLOCK ? -1 : (long)total;
}

struct plan_walk {
	struct tree *t;
	struct ext2_plan *plan;
	int legacy;
	int err;
};

/* The legacy record's block: 2 bytes of length, then the argz. */
static const struct tree_xattr *legacy_record(const struct tree_inode *ino,
					      int legacy)
{
	const struct tree_xattr *x = tree_inode_xattrs(ino);
	size_t i;

	for (i = 0; i < tree_inode_nxattrs(ino); i++)
		if (is_legacy(&x[i], legacy))
			return &x[i];
	return NULL;
}

static int plan_node(struct tree_node *n, void *arg)
{
	struct plan_walk *w = arg;
	struct tree_inode *ino = n->inode;
	char path[4096];
	uint64_t data, meta;
	long xb;

	w->plan->files++;
	if (!tree_visit_first(w->t, ino)) /* counted at another name */
		return 0;
	w->plan->inodes++;
	if (tree_is_dir(ino) && ino->subdirs + 2 > EXT2_LINKS_MAX) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(
			EXIT_BUILD,
			"%s: %u subdirectories; ext2 allows at most %d in one directory (its link count limit)",
			path, ino->subdirs, EXT2_LINKS_MAX - 2);
		return 1;
	}
	if (!tree_is_dir(ino) && ino->nlink > EXT2_LINKS_MAX) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(EXIT_BUILD,
				    "%s: %u hard links; ext2 allows at most %d",
				    path, ino->nlink, EXT2_LINKS_MAX);
		return 1;
	}
	if (S_ISLNK(ino->mode) && ino->size >= EXT2_BLOCK) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(
			EXIT_BUILD,
			"%s: symlink target of %llu bytes; at most %d fit",
			path, (unsigned long long)ino->size, EXT2_BLOCK - 1);
		return 1;
	}
	if (logical_blocks(n) > max_file_blocks) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(
			EXIT_BUILD,
			"%s: %llu bytes is larger than ext2 with 4 KiB blocks allows (4 TiB)",
			path, (unsigned long long)ino->size);
		return 1;
	}
	count_blocks(n, &data, &meta);
	if ((data + meta + 1) * (EXT2_BLOCK / 512) > UINT32_MAX) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(
			EXIT_BUILD,
			"%s: %llu bytes is larger than ext2 with 4 KiB blocks allows (2 TiB)",
			path, (unsigned long long)ino->size);
		return 1;
	}
	xb = xattr_bytes(ino, w->legacy);
	if (legacy_record(ino, w->legacy) &&
	    legacy_record(ino, w->legacy)->len + 2 > EXT2_BLOCK) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(
			EXIT_BUILD,
			"%s: the translator record does not fit in one %d-byte block",
			path, EXT2_BLOCK);
		return 1;
	}
	if (xb < 0) {
		tree_path(n, path, sizeof(path));
		w->err = diag_error(
			EXIT_BUILD,
			"%s: the extended attributes do not fit in one %d-byte block",
			path, EXT2_BLOCK);
		return 1;
	}
	w->plan->blocks += data + meta + (xb ? 1 : 0) +
			   (legacy_record(ino, w->legacy) ? 1 : 0);
	if (S_ISREG(ino->mode))
		w->plan->bytes += ino->size;
	return 0;
}

static int add_lost_found(struct tree *t)
{
	struct tree_node *lf = tree_lookup(t, "/lost+found");
	struct tree_inode *ino;

	if (lf && tree_is_dir(lf->inode))
		return tree_inode_set_min_blocks(lf->inode, LOST_FOUND_BLOCKS) ?
			       diag_error(EXIT_BUILD, "out of memory") :
			       0;
	ino = tree_inode_new(t, S_IFDIR | 0700);
	if (!ino || tree_inode_set_min_blocks(ino, LOST_FOUND_BLOCKS)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	if (lf)
		diag_warn(
			"/lost+found is not a directory in the sources; replacing it");
	return tree_put(t, "/lost+found", ino, NULL) ? EXIT_BUILD : 0;
}

int ext2_plan_tree(struct tree *t, int legacy, struct ext2_plan *plan)
{
	struct plan_walk w = { t, plan, legacy, 0 };
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->legacy = legacy;
	if ((r = add_lost_found(t)))
		return r;
	tree_finish(t);
	tree_visit_begin(t);
	tree_walk(t, plan_node, &w);
	plan->inodes += EXT2_GOOD_OLD_FIRST_INO - 1; /* reserved 1..10 */
	return w.err;
}

/* ---- sizing ---- */

static uint64_t inode_count(const struct ext2_plan *plan, uint64_t size)
{
	uint64_t want = plan->inodes + plan->inodes / 4 + 16;
	uint64_t by_ratio = size / INODE_RATIO;

	want = by_ratio > want ? by_ratio : want;
	return want > UINT32_MAX ? UINT32_MAX : want;
}

static errcode_t fs_init(const char *name, const struct ext2_plan *plan,
			 uint64_t size, ext2_filsys *fs)
{
	struct ext2_super_block param;

	memset(&param, 0, sizeof(param));
	param.s_rev_level = EXT2_DYNAMIC_REV;
	param.s_log_block_size = 2; /* 1024 << 2 */
	param.s_inode_size = EXT2_HURD_INODE_SIZE;
	ext2fs_blocks_count_set(&param, size / EXT2_BLOCK);
	param.s_inodes_count = (uint32_t)inode_count(plan, size);
	param.s_feature_compat = EXT2_FEATURE_COMPAT_EXT_ATTR;
	param.s_feature_ro_compat = EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER |
				    EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	param.s_feature_incompat = 0;
	return ext2fs_initialize(name, EXT2_FLAG_64BITS, &param,
				 disk_io_manager, fs);
}

/* Would a file system of SIZE bytes hold PLAN? */
static int fits(const struct ext2_plan *plan, uint64_t size)
{
	char name[128];
	ext2_filsys fs;
	uint64_t free_blocks, free_inodes;

	if (size / EXT2_BLOCK < 64)
		return 0;
	disk_io_name(NULL, 0, size, name, sizeof(name));
	if (fs_init(name, plan, size, &fs))
		return 0;
	free_blocks = ext2fs_free_blocks_count(fs->super);
	free_inodes = fs->super->s_free_inodes_count;
	ext2fs_free(fs);
	/* The reserved inodes are not free in the count. */
	return free_blocks >= plan->blocks &&
	       free_inodes + EXT2_GOOD_OLD_FIRST_INO - 1 >= plan->inodes;
}

int ext2_min_size(const struct ext2_plan *plan, uint64_t *bytes)
{
	/* The data alone never fits: the groups' metadata needs room too. */
	uint64_t lo = plan->blocks * EXT2_BLOCK, hi = lo + 64 * EXT2_BLOCK,
		 step;

	/* Grow until it fits, then bisect down to 4 KiB precision. */
	while (!fits(plan, hi)) {
		lo = hi;
		hi += hi / 4 + EXT2_BLOCK;
	}
	while (hi - lo > EXT2_BLOCK) {
		step = lo + (hi - lo) / 2;
		step -= step % EXT2_BLOCK;
		if (step <= lo)
			break;
		if (fits(plan, step))
			hi = step;
		else
			lo = step;
	}
	*bytes = hi;
	return 0;
}

int ext2_guess_size(const struct ext2_plan *plan, uint64_t *bytes)
{
	struct ext2_plan more = *plan;

	more.blocks += plan->blocks * GUESS_MARGIN_PERCENT / 100;
	more.inodes += plan->inodes * GUESS_MARGIN_PERCENT / 100;
	ext2_min_size(&more, bytes);
	/* Round up to whole MiB: partition tools and people like it. */
	*bytes = (*bytes + (1 << 20) - 1) & ~(uint64_t)((1 << 20) - 1);
	return 0;
}

int ext2_check_fits(const struct ext2_plan *plan, uint64_t size)
{
	char have[32], need[32];
	uint64_t min;

	if (fits(plan, size))
		return 0;
	ext2_min_size(plan, &min);
	size_format(size, have, sizeof(have));
	size_format(min, need, sizeof(need));
	return diag_error(
		EXIT_BUILD,
		"the root file system size %s is too small for the tree: it needs at least %s (%llu bytes); use a larger size or \"guess\"",
		have, need, (unsigned long long)min);
}

/* ---- writing ---- */

struct run {
	blk64_t start, len;
	uint64_t logical; /* data extents: the first block's file block */
};

struct extents {
	struct run *v;
	size_t n, cap;
};

/* A file whose bytes come from a stream: where they go, until replay. */
struct deferred {
	struct tree_stream *stream;
	uint64_t token, size;
	struct run *v;
	size_t n;
	char *path;
	int written;
};

struct writer {
	ext2_filsys fs;
	blk64_t cursor; /* blocks below it are taken */
	char *buf;	/* CHUNK_BLOCKS of data */
	struct run *runs;
	size_t nruns, runcap;
	struct extents data; /* the data blocks of the file being written */
	int legacy;	     /* translators as legacy records */
	const struct ext2_observer *obs;
	struct deferred *deferred; /* stream content, written last */
	size_t ndeferred, defcap;
	uint32_t next_ino;
	struct tree *t;
	const struct tree_inode *lost_found;
	struct hostfiles *hosts; /* open host directories */
	struct disk *disk;
	uint64_t offset;	/* of the file system in the disk */
	struct copier *copier;	/* host files by the kernel, or NULL */
	struct prefetch *pf;	/* or host files read ahead, or NULL */
	uint64_t seq;		/* nodes written, for the copier's errors */
	struct tree_node *node; /* being written; NULL: PATH says what */
	char path[4096];	/* for messages (node_path) */
};

/* What a message names: the node being written, made into a path only
 * when there is something to say. */
static const char *node_path(struct writer *w)
{
	if (w->node)
		tree_path(w->node, w->path, sizeof(w->path));
	return w->path;
}

/* An I/O error of the output was explained by the disk layer, which
 * names the image file (disk.c); keep that rather than the node. */
static int fail_fs(struct writer *w, errcode_t err, const char *what)
{
	if (diag_message())
		return EXIT_BUILD;
	return diag_error(EXIT_BUILD, "%s: %s: %s", node_path(w), what,
			  error_message(err));
}

/* The next free run of at most WANT blocks at or after the cursor. */
static errcode_t alloc_run(struct writer *w, blk64_t want, struct run *out)
{
	ext2_filsys fs = w->fs;
	blk64_t last = ext2fs_blocks_count(fs->super) - 1, start, used, end;

	if (w->cursor > last || ext2fs_find_first_zero_block_bitmap2(
					fs->block_map, w->cursor, last, &start))
		return EXT2_ET_BLOCK_ALLOC_FAIL;
	end = start + want - 1;
	if (end > last)
		end = last;
	if (!ext2fs_find_first_set_block_bitmap2(fs->block_map, start, end,
						 &used))
		end = used - 1;
	out->start = start;
	out->len = end - start + 1;
	w->cursor = end + 1;
	return 0;
}

/* libext2fs asks here for the blocks it allocates itself (EA blocks), so
 * they come from the same cursor and the layout stays one sweep. */
static errcode_t get_alloc_block(ext2_filsys fs, blk64_t goal, blk64_t *ret)
{
	struct writer *w = fs->priv_data;
	struct run r;
	errcode_t err = alloc_run(w, 1, &r);

	if (!err)
		*ret = r.start;
	return err;
}

/* Allocate N blocks as runs into w->runs and mark them in use. */
static errcode_t alloc_blocks(struct writer *w, blk64_t n)
{
	errcode_t err;

	w->nruns = 0;
	while (n) {
		struct run r;

		if ((err = alloc_run(w, n, &r)))
			return err;
		if (array_grow(&w->runs, &w->runcap, w->nruns + 1,
			       sizeof(*w->runs), 16))
			return EXT2_ET_NO_MEMORY;
		w->runs[w->nruns++] = r;
		ext2fs_block_alloc_stats_range(w->fs, r.start, (blk_t)r.len,
					       +1);
		n -= r.len;
	}
	return 0;
}

/* Walks the allocated runs block by block. */
struct cursor {
	size_t run;
	blk64_t off;
};

static blk64_t next_block(struct writer *w, struct cursor *c)
{
	blk64_t b = w->runs[c->run].start + c->off;

	if (++c->off == w->runs[c->run].len) {
		c->run++;
		c->off = 0;
	}
	return b;
}

struct filler {
	int fd;			      /* host file, or -1 */
	const struct tree_node *host; /* whose it is, for messages */
	const char *mem;	      /* memory content */
	tree_stream_read read;	      /* or a stream entry */
	void *reader;
	uint64_t size, done;
	int regular; /* a regular file's: counted by the progress */
};

static int host_changed(const struct tree_node *n, uint64_t size);

/* WANT bytes of the host file of F at OFFSET.  Short: the file changed
 * under the build, which host_changed says how. */
static int fill_host(struct writer *w, struct filler *f, char *buf, size_t want,
		     uint64_t offset)
{
	size_t got;
	int err = pread_full(f->fd, buf, want, offset, &got);

	if (err)
		return diag_error(EXIT_BUILD, "%s: cannot read: %s",
				  node_path(w), strerror(err));
	return got < want ? host_changed(f->host, f->size) : 0;
}

/* WANT bytes of the stream entry of F at OFFSET (BUF holds LEN).  A
 * stream reads holes as zeros: the bytes before OFFSET are read past. */
static int fill_stream(struct writer *w, struct filler *f, char *buf,
		       size_t len, size_t want, uint64_t offset)
{
	size_t got = 0;
	long r;

	while (f->done < offset) {
		uint64_t skip = offset - f->done;

		r = f->read(f->reader, buf, skip < len ? (size_t)skip : len);
		if (r <= 0)
			return r < 0 ? EXIT_BUILD :
				       diag_error(EXIT_BUILD,
						  "%s: the stream ended early",
						  node_path(w));
		f->done += (uint64_t)r;
	}
	if (f->done != offset)
		return diag_error(EXIT_BUILD, "%s: a stream cannot go back",
				  node_path(w));
	while (got < want) {
		r = f->read(f->reader, buf + got, want - got);
		if (r < 0)
			return EXIT_BUILD; /* the stream said why */
		if (r == 0)
			return diag_error(
				EXIT_BUILD,
				"%s: the file shrank while the image was built (%llu of %llu bytes read)",
				node_path(w),
				(unsigned long long)(offset + got),
				(unsigned long long)f->size);
		got += (size_t)r;
	}
	return 0;
}

/* LEN bytes of F from byte OFFSET into BUF, zero-padded past its end.
 * Host files are read with pread, so holes can be skipped; memory and
 * streams are dense and read in order. */
static int fill(struct writer *w, struct filler *f, char *buf, size_t len,
		uint64_t offset)
{
	size_t want = offset >= f->size	     ? 0 :
		      f->size - offset < len ? (size_t)(f->size - offset) :
					       len;
	int r = 0;

	if (f->mem)
		memcpy(buf, f->mem + offset, want);
	else if (f->read)
		r = fill_stream(w, f, buf, len, want, offset);
	else if (want)
		r = fill_host(w, f, buf, want, offset);
	if (r)
		return r;
	memset(buf + want, 0, len - want);
	f->done = offset + want;
	return 0;
}

/* Append data block B (file block L), merging with the last extent. */
static int extents_push(struct extents *e, blk64_t b, uint64_t l)
{
	if (e->n && e->v[e->n - 1].start + e->v[e->n - 1].len == b &&
	    e->v[e->n - 1].logical + e->v[e->n - 1].len == l) {
		e->v[e->n - 1].len++;
		return 0;
	}
	if (array_grow(&e->v, &e->cap, e->n + 1, sizeof(*e->v), 8))
		return -1;
	e->v[e->n].start = b;
	e->v[e->n].len = 1;
	e->v[e->n].logical = l;
	e->n++;
	return 0;
}

/* Show the observer the bytes of F from *SEEN up to END, reading holes
 * (not in the buffer) as zeros. */
static void observe(struct writer *w, const struct filler *f, const char *buf,
		    uint64_t buf_offset, uint64_t *seen, uint64_t end)
{
	static const char zeros[4096];

	if (!w->obs)
		return;
	if (end > f->size)
		end = f->size;
	while (*seen < end && *seen < buf_offset) {
		uint64_t n = buf_offset - *seen < sizeof(zeros) ?
				     buf_offset - *seen :
				     sizeof(zeros);

		w->obs->data(w->obs->ctx, zeros, (size_t)n);
		*seen += n;
	}
	if (*seen < end) {
		w->obs->data(w->obs->ctx, buf + (*seen - buf_offset),
			     (size_t)(end - *seen));
		*seen = end;
	}
}

/* The bytes of F in [AT, AT + LEN): what the progress counts of a chunk.
 * Its total is the plan's bytes, the summary's figure. */
static uint64_t content_in(const struct filler *f, uint64_t at, uint64_t len)
{
	uint64_t end = at + len < f->size ? at + len : f->size;

	return f->regular && at < end ? end - at : 0;
}

/* Write the data extents V[0..N) from F, at most a chunk per write. */
static int write_data(struct writer *w, struct filler *f, const struct run *v,
		      size_t n)
{
	uint64_t seen = 0, counted = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		blk64_t start = v[i].start, left = v[i].len;

		while (left) {
			blk64_t c = left < CHUNK_BLOCKS ? left : CHUNK_BLOCKS;
			uint64_t at = (v[i].logical + (start - v[i].start)) *
				      EXT2_BLOCK;
			errcode_t err;
			int r;

			if ((r = fill(w, f, w->buf, (size_t)c * EXT2_BLOCK,
				      at)))
				return r;
			observe(w, f, w->buf, at, &seen, at + c * EXT2_BLOCK);
			err = io_channel_write_blk64(w->fs->io, start, (int)c,
						     w->buf);
			if (err)
				return fail_fs(w, err, "writing the image");
			progress_add(content_in(f, at, c * EXT2_BLOCK), 0);
			counted += content_in(f, at, c * EXT2_BLOCK);
			start += c;
			left -= c;
		}
	}
	observe(w, f, NULL, f->size, &seen, f->size);
	if (f->regular && f->size > counted)
		progress_add(f->size - counted, 0); /* its holes */
	return 0;
}

struct mapping {
	struct writer *w;
	struct cursor c;
};

static blk64_t take_block(void *ctx)
{
	struct mapping *m = ctx;

	return next_block(m->w, &m->c);
}

static int on_data(void *ctx, blk64_t phys, uint64_t logical)
{
	struct mapping *m = ctx;

	return extents_push(&m->w->data, phys, logical) ? EXT2_ET_NO_MEMORY : 0;
}

static int on_indirect(void *ctx, blk64_t phys, const uint32_t *ptr)
{
	struct mapping *m = ctx;

	return (int)io_channel_write_blk64(m->w->fs->io, phys, 1, ptr);
}

/* Spread N's data and indirect blocks over the allocated runs: the data
 * blocks go to w->data as extents, the indirect blocks are written. */
static errcode_t map_blocks(struct writer *w, struct tree_node *n,
			    struct ext2_inode *inode)
{
	struct mapping m = { w, { 0, 0 } };
	struct blockset set;
	struct bwalk b;

	node_blockset(n, &set);
	memset(&b, 0, sizeof(b));
	b.set = &set;
	b.take = take_block;
	b.on_data = on_data;
	b.on_indirect = on_indirect;
	b.ctx = &m;
	w->data.n = 0;
	return walk_file(&b, inode->i_block);
}

static void put_dirent(char *p, uint32_t ino, uint32_t len, const char *name,
		       size_t namelen)
{
	uint32_t ino_le = ext2fs_cpu_to_le32(ino);
	uint16_t len_le = ext2fs_cpu_to_le16((uint16_t)len);

	memcpy(p, &ino_le, 4);
	memcpy(p + 4, &len_le, 2);
	p[6] = (char)namelen;
	p[7] = 0; /* file type: the Hurd writes none (filetype is off) */
	memcpy(p + 8, name, namelen);
}

static void set_rec_len(char *p, uint32_t len)
{
	uint16_t len_le = ext2fs_cpu_to_le16((uint16_t)len);

	memcpy(p + 4, &len_le, 2);
}

/* Entry blocks of directory N, packed as dir_blocks() counted them. */
static char *build_dir(const struct tree_node *n, uint64_t blocks)
{
	char *buf = calloc(blocks, EXT2_BLOCK);
	size_t pos = 0, last = 0, i;
	uint32_t parent = n->parent ? n->parent->inode->ino : n->inode->ino;

	if (!buf)
		return NULL;
	struct tree_node *const *kids = tree_kids(n);

	for (i = 0; i < (size_t)tree_nkids(n) + 2; i++) {
		const char *name = i == 0 ? "." :
				   i == 1 ? ".." :
					    kids[i - 2]->name;
		uint32_t ino = i == 0 ? n->inode->ino :
			       i == 1 ? parent :
					kids[i - 2]->inode->ino;
		size_t len = strlen(name);
		uint32_t r = rec_len(len);

		if (pos % EXT2_BLOCK + r > EXT2_BLOCK) {
			/* The last entry of a block owns the rest of it. */
			set_rec_len(buf + last, EXT2_BLOCK - last % EXT2_BLOCK);
			pos += EXT2_BLOCK - pos % EXT2_BLOCK;
		}
		put_dirent(buf + pos, ino, r, name, len);
		last = pos;
		pos += r;
	}
	set_rec_len(buf + last, EXT2_BLOCK - last % EXT2_BLOCK);
	/* Padding blocks (lost+found) hold one empty entry each. */
	for (pos = (last / EXT2_BLOCK + 1) * EXT2_BLOCK;
	     pos < blocks * EXT2_BLOCK; pos += EXT2_BLOCK)
		put_dirent(buf + pos, 0, EXT2_BLOCK, "", 0);
	return buf;
}

static uint32_t clamp_time(int64_t t)
{
	if (t < 0)
		return 0;
	if (t > INT32_MAX)
		return INT32_MAX;
	return (uint32_t)t;
}

/* N's host file, opened for its bytes: what the scan saw is in *STAMP,
 * checked after the copy (hostfile_unchanged). */
static int open_host(struct writer *w, const struct tree_node *n, int *fd,
		     struct hostfile_stamp *stamp)
{
	char path[8192];

	hostfile_stamp(n->inode, stamp);
	*fd = hostfile_open(w->hosts, n);
	if (*fd >= 0)
		return 0;
	tree_host_path(n, path, sizeof(path));
	if (errno == ENOENT)
		return diag_error(
			EXIT_BUILD,
			"%s: the file disappeared while the image was built",
			path);
	return diag_error(EXIT_BUILD, "%s: cannot open: %s", path,
			  strerror(errno));
}

/* A file written to between the scan and the end of its copy (grown,
 * shrunk, or the same size with new bytes) would be in the image half
 * old, half new. */
static int host_changed(const struct tree_node *n, uint64_t size)
{
	char path[8192];

	return diag_error(
		EXIT_BUILD,
		"%s: the file changed while the image was built (was %llu bytes)",
		tree_host_path(n, path, sizeof(path)),
		(unsigned long long)size);
}

/*
 * The zero-copy path for N's host file, whose blocks map_blocks() put in
 * w->data: each data extent goes to the copier, which has the kernel put
 * it in place (on a helper thread) and reads and writes what it leaves.
 */
static int copy_host(struct writer *w, struct tree_node *n)
{
	struct copy_range *v = malloc(w->data.n * sizeof(*v));
	uint64_t size = n->inode->size;
	size_t i;
	int r;

	if (!v)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < w->data.n; i++) {
		const struct run *d = &w->data.v[i];

		v[i].src = d->logical * EXT2_BLOCK;
		v[i].len = d->len * EXT2_BLOCK;
		if (v[i].len > size - v[i].src)
			v[i].len = size - v[i].src; /* the file ends here */
		v[i].dst = w->offset + d->start * EXT2_BLOCK;
	}
	progress_add(size, 0); /* its content, holes too, as write_data */
	r = copier_add(w->copier, w->seq, n, v, w->data.n);
	free(v);
	return r;
}

/* N's host file as the helper read it ahead: its bytes or its open
 * descriptor, or why it failed, told here, in the writer's order.  If
 * the helper lost the order (it cannot), the writer reads by itself. */
static int take_host(struct writer *w, const struct tree_node *n,
		     struct prefetched *pre)
{
	char path[8192];
	int r = 0;

	if (prefetch_take(w->pf, n, pre)) {
		prefetch_stop(w->pf);
		w->pf = NULL;
		return 0;
	}
	if (pre->err == ENOENT)
		r = diag_error(
			EXIT_BUILD,
			"%s: the file disappeared while the image was built",
			tree_host_path(n, path, sizeof(path)));
	else if (pre->err)
		r = diag_error(EXIT_BUILD, "%s: cannot open: %s",
			       tree_host_path(n, path, sizeof(path)),
			       strerror(pre->err));
	else if (pre->changed)
		r = host_changed(n, n->inode->size);
	if (r)
		prefetch_release(pre);
	return r;
}

/* Allocate, write and map the content of N into INODE. */
/* Keep where INO's blocks are until its stream is replayed. */
static int defer(struct writer *w, const struct tree_inode *ino)
{
	struct deferred *d;

	if (array_grow(&w->deferred, &w->defcap, w->ndeferred + 1,
		       sizeof(*w->deferred), 64))
		return diag_error(EXIT_BUILD, "out of memory");
	d = &w->deferred[w->ndeferred];
	memset(d, 0, sizeof(*d));
	d->stream = tree_inode_more(ino)->stream;
	d->token = tree_inode_more(ino)->token;
	d->size = ino->size;
	d->n = w->data.n;
	d->v = malloc(d->n * sizeof(*d->v));
	d->path = strdup(node_path(w));
	if (!d->v || !d->path) {
		free(d->v);
		free(d->path);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	memcpy(d->v, w->data.v, d->n * sizeof(*d->v));
	w->ndeferred++;
	return 0;
}

static int deferred_cmp(const void *a, const void *b)
{
	const struct deferred *x = a, *y = b;

	return (x->token > y->token) - (x->token < y->token);
}

struct replay {
	struct writer *w;
	struct deferred *v; /* this stream's files, by token */
	size_t n;
};

static int replay_sink(void *ctx, uint64_t token, uint64_t size,
		       tree_stream_read read, void *reader)
{
	struct replay *rp = ctx;
	struct deferred key, *d;
	struct filler f = { -1, NULL, NULL, read, reader, 0, 0, 1 };

	key.token = token;
	d = bsearch(&key, rp->v, rp->n, sizeof(*rp->v), deferred_cmp);
	if (!d)
		return 0; /* overridden by a later source: not in the image */
	rp->w->node = NULL;
	snprintf(rp->w->path, sizeof(rp->w->path), "%s", d->path);
	if (size != d->size)
		return diag_error(
			EXIT_BUILD,
			"%s: %llu bytes in the stream now, %llu when it was first read",
			d->path, (unsigned long long)size,
			(unsigned long long)d->size);
	f.size = size;
	d->written = 1;
	return write_data(rp->w, &f, d->v, d->n);
}

/* Replay each stream once, in the order the sources were added, putting
 * every entry's bytes where its file's blocks are. */
static int write_streams(struct writer *w, struct tree *t)
{
	struct tree_stream *s;
	size_t i, j;
	int r = 0;

	/* Gather this stream's files at the front, sort them by token. */
	w->obs = NULL; /* it sees the walk's order only */
	for (s = t->streams; s && !r; s = s->next) {
		struct replay rp = { w, NULL, 0 };

		for (i = 0, j = 0; i < w->ndeferred; i++) {
			if (w->deferred[i].stream != s)
				continue;
			struct deferred tmp = w->deferred[j];

			w->deferred[j] = w->deferred[i];
			w->deferred[i] = tmp;
			j++;
		}
		if (!j)
			continue;
		rp.v = w->deferred;
		rp.n = j;
		qsort(rp.v, rp.n, sizeof(*rp.v), deferred_cmp);
		r = s->ops->replay(s, replay_sink, &rp);
		for (i = 0; !r && i < j; i++)
			if (!rp.v[i].written)
				r = diag_error(
					EXIT_BUILD,
					"%s: its entry vanished from %s while the image was built",
					rp.v[i].path, s->name);
		for (i = 0; i < j; i++) {
			free(rp.v[i].v);
			free(rp.v[i].path);
		}
		memmove(w->deferred, w->deferred + j,
			(w->ndeferred - j) * sizeof(*w->deferred));
		w->ndeferred -= j;
	}
	return r;
}

static int write_content(struct writer *w, struct tree_node *n,
			 struct ext2_inode *inode)
{
	struct tree_inode *ino = n->inode;
	uint64_t data, meta;
	struct filler f = {
		-1, NULL, NULL, NULL, NULL, 0, 0, S_ISREG(ino->mode)
	};
	struct prefetched pre = { NULL, -1, NULL, 0, 0 };
	struct hostfile_stamp stamp;
	char *dirbuf = NULL;
	errcode_t err;
	int r = 0;

	count_blocks(n, &data, &meta);
	if (S_ISLNK(ino->mode) && data == 0) {
		memcpy(inode->i_block, tree_inode_data(ino), ino->size);
		return 0;
	}
	/* Every host file the helper read ahead is taken, in order. */
	if (ino->content == CONTENT_HOST && w->pf &&
	    (r = take_host(w, n, &pre)))
		return r;
	if (data == 0) {
		if (f.regular)
			progress_add(ino->size, 0); /* all hole */
		prefetch_release(&pre);
		return 0;
	}
	if (tree_is_dir(ino)) {
		dirbuf = build_dir(n, data);
		if (!dirbuf)
			return diag_error(EXIT_BUILD, "out of memory");
		f.mem = dirbuf;
		f.size = data * EXT2_BLOCK;
	} else if (ino->content == CONTENT_HOST) {
		hostfile_stamp(ino, &stamp);
		if (pre.bytes) { /* read and checked */
			f.mem = pre.bytes;
		} else if (pre.fd >= 0) { /* opened */
			f.fd = pre.fd;
			pre.fd = -1;
		} else if (!w->copier && (r = open_host(w, n, &f.fd, &stamp))) {
			return r; /* the zero-copy path opens it later */
		}
		f.host = n;
		f.size = ino->size;
	} else if (ino->content == CONTENT_STREAM) {
		f.size = ino->size;
	} else if (ino->content == CONTENT_GEN) {
		void *gen;
		size_t len;

		if ((r = tree_inode_more(ino)->gen(
			     tree_inode_more(ino)->gen_ctx, &gen, &len)))
			return r;
		if (len != ino->size) {
			free(gen);
			return diag_error(
				EXIT_BUILD,
				"%s: made %zu bytes, %llu were laid out",
				node_path(w), len,
				(unsigned long long)ino->size);
		}
		dirbuf = gen; /* freed with the directory buffer */
		f.mem = gen;
		f.size = len;
	} else {
		f.mem = tree_inode_data(ino);
		f.size = ino->size;
	}
	err = alloc_blocks(w, data + meta);
	if (err) {
		r = diag_error(
			EXIT_BUILD,
			"%s: the file system is full (this is a bug in the size computation: %s)",
			node_path(w), error_message(err));
		goto out;
	}
	if ((err = map_blocks(w, n, inode))) {
		r = fail_fs(w, err, "writing the block map");
		goto out;
	}
	if (ino->content == CONTENT_STREAM)
		r = defer(w, ino);
	else if (ino->content == CONTENT_HOST && w->copier)
		r = copy_host(w, n);
	else
		r = write_data(w, &f, w->data.v, w->data.n);
	if (!r && f.fd >= 0 && !hostfile_unchanged(f.fd, &stamp))
		r = host_changed(n, ino->size);
	if (r)
		goto out;
	ext2fs_iblk_set(w->fs, inode, data + meta);
out:
	if (f.fd >= 0)
		close(f.fd);
	prefetch_release(&pre);
	free(dirbuf);
	return r;
}

static int write_xattrs(struct writer *w, const struct tree_inode *ino)
{
	const struct tree_xattr *x = tree_inode_xattrs(ino);
	struct ext2_xattr_handle *h;
	errcode_t err;
	size_t i;

	if (!xattr_bytes(ino, w->legacy))
		return 0;
	if ((err = ext2fs_xattrs_open(w->fs, ino->ino, &h)))
		return fail_fs(w, err, "extended attributes");
	err = ext2fs_xattrs_read(h);
	for (i = 0; !err && i < tree_inode_nxattrs(ino); i++)
		if (!is_legacy(&x[i], w->legacy))
			err = ext2fs_xattr_set(h, x[i].name, x[i].value,
					       x[i].len);
	if (!err)
		err = ext2fs_xattrs_close(&h);
	else
		ext2fs_xattrs_close(&h);
	return err ? fail_fs(w, err, "writing extended attributes") : 0;
}

/* The translator as a legacy record (hurd-disk-format.md 1.2): a block
 * holding a 2-byte length and the argz, its number in i_translator
 * (osd1), counted in i_blocks. */
static int write_legacy(struct writer *w, const struct tree_inode *ino,
			struct ext2_inode *inode)
{
	const struct tree_xattr *x = legacy_record(ino, w->legacy);
	char block[EXT2_BLOCK];
	struct run r;
	errcode_t err;

	if (!x)
		return 0;
	if ((err = alloc_run(w, 1, &r)))
		return fail_fs(w, err, "allocating the translator block");
	ext2fs_block_alloc_stats2(w->fs, r.start, +1);
	memset(block, 0, sizeof(block));
	block[0] = (char)(x->len & 0xff);
	block[1] = (char)(x->len >> 8);
	memcpy(block + 2, x->value, x->len);
	if ((err = io_channel_write_blk64(w->fs->io, r.start, 1, block)))
		return fail_fs(w, err, "writing the translator block");
	inode->osd1.hurd1.h_i_translator =
		ext2fs_cpu_to_le32((uint32_t)r.start);
	ext2fs_iblk_add_blocks(w->fs, inode, 1);
	return 0;
}

static void set_device(struct ext2_inode *inode, const struct tree_inode *ino)
{
	uint32_t major = tree_inode_rdev_major(ino),
		 minor = tree_inode_rdev_minor(ino);

	/* Old-style encoding in i_block[0]: the Hurd reads st_rdev there. */
	if (major < 256 && minor < 256) {
		inode->i_block[0] = ext2fs_cpu_to_le32(major << 8 | minor);
	} else {
		inode->i_block[1] =
			ext2fs_cpu_to_le32((minor & 0xff) | (major << 8) |
					   ((minor & ~0xffu) << 12));
	}
}

static int write_node(struct tree_node *n, void *arg)
{
	struct writer *w = arg;
	struct tree_inode *ino = n->inode;
	struct ext2_inode inode;
	uint32_t t = clamp_time(ino->mtime);
	errcode_t err;
	int r;

	if (w->obs)
		w->obs->node(w->obs->ctx, n);
	w->seq++;
	progress_add(0, 1);
	if (!tree_visit_first(w->t, ino)) /* written at an earlier name */
		return 0;
	w->node = n;
	memset(&inode, 0, sizeof(inode));
	inode.i_mode = (uint16_t)ino->mode;
	inode.i_uid = (uint16_t)ino->uid;
	inode.i_gid = (uint16_t)ino->gid;
	inode.osd2.hurd2.h_i_uid_high = (uint16_t)(ino->uid >> 16);
	inode.osd2.hurd2.h_i_gid_high = (uint16_t)(ino->gid >> 16);
	/* What the Hurd itself records as the author of a new file. */
	inode.osd2.hurd2.h_i_author = ino->uid;
	inode.i_atime = inode.i_ctime = inode.i_mtime = t;
	inode.i_links_count =
		(uint16_t)(tree_is_dir(ino) ? 2 + ino->subdirs : ino->nlink);
	/* e2fsck walks the translator block first: put it first. */
	if ((r = write_legacy(w, ino, &inode)))
		return r;
	if (S_ISCHR(ino->mode) || S_ISBLK(ino->mode))
		set_device(&inode, ino);
	else if ((r = write_content(w, n, &inode)))
		return r;
	if (tree_is_dir(ino))
		err = ext2fs_inode_size_set(w->fs, &inode,
					    logical_blocks(n) * EXT2_BLOCK);
	else
		err = ext2fs_inode_size_set(w->fs, &inode, ino->size);
	if (!err)
		err = ext2fs_write_inode(w->fs, ino->ino, &inode);
	if (err)
		return fail_fs(w, err, "writing the inode");
	ext2fs_inode_alloc_stats2(w->fs, ino->ino, +1, tree_is_dir(ino));
	return write_xattrs(w, ino);
}

/* Inode numbers in sorted preorder: root 2, lost+found 11, then the rest. */
static int number_node(struct tree_node *n, void *arg)
{
	struct writer *w = arg;

	if (tree_visit_first(w->t, n->inode) && n != w->t->root &&
	    n->inode != w->lost_found)
		n->inode->ino = w->next_ino++;
	return 0;
}

static void set_super(ext2_filsys fs, const struct ext2_options *o)
{
	struct ext2_super_block *sb = fs->super;
	uint32_t t = clamp_time(o->timestamp);

	sb->s_creator_os = EXT2_OS_HURD; /* after initialize: it sets Linux */
	ext2fs_clear_feature_filetype(sb);
	memset(sb->s_volume_name, 0, sizeof(sb->s_volume_name));
	strncpy((char *)sb->s_volume_name, o->label, sizeof(sb->s_volume_name));
	memcpy(sb->s_uuid, o->uuid, 16);
	memcpy(sb->s_hash_seed, o->hash_seed, 16);
	sb->s_def_hash_version = EXT2_HASH_HALF_MD4;
	sb->s_mkfs_time = sb->s_wtime = sb->s_lastcheck = t;
	sb->s_mtime = 0;
	sb->s_max_mnt_count = (uint16_t)-1;
	sb->s_checkinterval = 0;
	sb->s_state = EXT2_VALID_FS;
	fs->now = (time_t)t;
	ext2fs_mark_super_dirty(fs);
}

int ext2_write(struct tree *t, const struct ext2_plan *plan,
	       const struct ext2_options *o, struct disk *d, uint64_t offset)
{
	struct writer w;
	struct tree_node *lf;
	char name[128];
	errcode_t err;
	ext2_ino_t i;
	unsigned threads;
	int r;

	memset(&w, 0, sizeof(w));
	w.t = t;
	w.legacy = plan->legacy;
	w.obs = o->observer;
	w.disk = d;
	w.offset = offset;
	snprintf(w.path, sizeof(w.path), "%s", d->path);
	disk_io_name(d, offset, o->size, name, sizeof(name));
	if ((err = fs_init(name, plan, o->size, &w.fs)))
		return fail_fs(&w, err, "cannot create the file system");
	set_super(w.fs, o);
	if ((err = ext2fs_allocate_tables(w.fs)))
		return fail_fs(&w, err, "cannot lay out the file system");
	w.fs->priv_data = &w;
	ext2fs_set_alloc_block_callback(w.fs, get_alloc_block, NULL);
	for (i = 1; i < EXT2_FIRST_INODE(w.fs->super); i++)
		if (i != EXT2_ROOT_INO)
			ext2fs_inode_alloc_stats2(w.fs, i, +1, 0);
	w.buf = malloc((size_t)CHUNK_BLOCKS * EXT2_BLOCK);
	w.hosts = hostfiles_new();
	/* Bytes come into this process only when something must see them;
	 * then a helper reads them ahead (--threads 1: no helper at all). */
	threads = d->opts.threads ? d->opts.threads : 2;
	if (disk_can_copy(d) && !w.obs)
		w.copier = copier_new(d, EXT2_BLOCK, threads > 1 ? threads : 0);
	if (!w.buf || !w.hosts || (disk_can_copy(d) && !w.obs && !w.copier)) {
		free(w.buf);
		hostfiles_free(w.hosts);
		copier_free(w.copier);
		ext2fs_free(w.fs);
		return diag_error(EXIT_BUILD, "out of memory");
	}

	/* Numbering, then one sweep that writes every inode once. */
	t->root->inode->ino = EXT2_ROOT_INO;
	lf = tree_lookup(t, "/lost+found");
	lf->inode->ino = EXT2_FIRST_INODE(w.fs->super);
	w.lost_found = lf->inode;
	w.next_ino = lf->inode->ino + 1;
	tree_visit_begin(t);
	tree_walk(t, number_node, &w);
	progress_start(plan->bytes, plan->files);
	if (!w.copier && threads > 1)
		w.pf = prefetch_start(t);
	tree_visit_begin(t);
	r = tree_walk(t, write_node, &w);
	prefetch_stop(w.pf);
	if (w.copier) {
		int rc = copier_finish(w.copier, r ? w.seq : UINT64_MAX);

		r = rc ? rc : r;
		copier_free(w.copier);
	}
	if (!r)
		r = write_streams(&w, t);
	for (i = 0; i < w.ndeferred; i++) {
		free(w.deferred[i].v);
		free(w.deferred[i].path);
	}
	free(w.deferred);
	progress_end();
	hostfiles_free(w.hosts);
	free(w.buf);
	free(w.runs);
	free(w.data.v);
	if (r) {
		ext2fs_free(w.fs);
		return r;
	}
	w.node = NULL;
	snprintf(w.path, sizeof(w.path), "%s", d->path);
	w.fs->super->s_state = EXT2_VALID_FS;
	err = ext2fs_close2(w.fs, 0);
	if (err) {
		ext2fs_free(w.fs);
		return fail_fs(&w, err, "cannot finish the file system");
	}
	return 0;
}
