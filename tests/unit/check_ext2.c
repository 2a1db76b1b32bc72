/* check_ext2.c - planning the ext2 file system (counts, sizes, limits),
 * and writing one, read back through libext2fs */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ext2fs/ext2fs.h>

#include "diag.h"
#include "disk.h"
#include "ext2.h"
#include "size.h"
#include "check-run.h"

static struct tree t;
static struct ext2_plan plan;

static void setup(void)
{
	diag_clear();
	diag_set_level(DIAG_QUIET);
	ck_assert_int_eq(tree_init(&t, 1000), 0);
}

static void teardown(void)
{
	tree_free(&t);
}

static struct tree_node *put(const char *path, uint32_t mode)
{
	struct tree_node *n = NULL;

	ck_assert_msg(tree_put(&t, path, tree_inode_new(&t, mode), &n) == 0,
		      "put %s: %s", path, diag_message());
	return n;
}

static struct tree_node *put_data(const char *path, size_t len)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFREG | 0644);
	struct tree_node *n = NULL;
	char *data = malloc(len ? len : 1);

	memset(data, 'x', len);
	ck_assert_int_eq(tree_inode_set_data(ino, data, len), 0);
	free(data);
	ck_assert_int_eq(tree_put(&t, path, ino, &n), 0);
	return n;
}

static void put_symlink(const char *path, size_t len)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFLNK | 0777);
	char *target = malloc(len + 1);

	memset(target, 'l', len);
	target[len] = '\0';
	ck_assert_int_eq(tree_inode_set_symlink(ino, target), 0);
	free(target);
	ck_assert_int_eq(tree_put(&t, path, ino, NULL), 0);
}

/* The small tree most tests use. */
static void small_tree(void)
{
	struct tree_node *a;
	char path[64];
	int i;

	a = put_data("/a", 5000); /* 2 blocks */
	ck_assert_int_eq(tree_link(&t, "/b", a), 0);
	put_symlink("/c", 1);	    /* fast: no block */
	put_symlink("/long", 100);  /* 1 block */
	put("/e", S_IFREG | 0644);  /* empty: no block */
	for (i = 0; i < 300; i++) { /* 2 directory blocks */
		snprintf(path, sizeof(path), "/d/entry-%03d", i);
		put(path, S_IFREG | 0644);
	}
}

static void plan_fails(int legacy, const char *what)
{
	diag_clear();
	ck_assert_int_eq(ext2_plan_tree(&t, legacy, &plan), EXIT_BUILD);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(strstr(diag_message(), what), "'%s' lacks '%s'",
		      diag_message(), what);
}

static int marked(struct tree_node *n, void *arg)
{
	return n->inode->ino != 0;
}

START_TEST(plan_counts_the_small_tree)
{
	struct tree_node *lf;

	small_tree();
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_ptr_null(diag_message());
	/* root, lost+found, a, b, c, long, e, d and its 300 */
	ck_assert_uint_eq(plan.files, 308);
	/* the same minus b (a's other name), plus reserved inodes 1..10 */
	ck_assert_uint_eq(plan.inodes, 307 + 10);
	/* root 1, lost+found 4, a 2, long 1, d 2 */
	ck_assert_uint_eq(plan.blocks, 10);
	ck_assert_uint_eq(plan.bytes, 5000);
	ck_assert_int_eq(plan.legacy, 0);
	lf = tree_lookup(&t, "/lost+found");
	ck_assert_ptr_nonnull(lf);
	ck_assert_uint_eq(lf->inode->mode, S_IFDIR | 0700);
	ck_assert_uint_eq(tree_inode_min_blocks(lf->inode), LOST_FOUND_BLOCKS);
	ck_assert_uint_eq(t.root->inode->subdirs, 2);
	ck_assert_uint_eq(tree_lookup(&t, "/a")->inode->nlink, 2);
	/* The planning marks are cleared again. */
	ck_assert_int_eq(tree_walk(&t, marked, NULL), 0);
	/* Planning twice gives the same plan. */
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.files, 308);
	ck_assert_uint_eq(plan.inodes, 317);
	ck_assert_uint_eq(plan.blocks, 10);
}
END_TEST

START_TEST(an_existing_lost_found_is_kept)
{
	struct tree_node *lf = put("/lost+found", S_IFDIR | 0755);

	put("/lost+found/x", S_IFREG | 0644);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_ptr_eq(tree_lookup(&t, "/lost+found"), lf);
	ck_assert_uint_eq(lf->inode->mode, S_IFDIR | 0755);
	ck_assert_uint_eq(tree_inode_min_blocks(lf->inode), LOST_FOUND_BLOCKS);
	ck_assert_ptr_nonnull(tree_lookup(&t, "/lost+found/x"));
	ck_assert_uint_eq(plan.files, 3);
	ck_assert_uint_eq(plan.inodes, 13);
	ck_assert_uint_eq(plan.blocks, 1 + 4);
	/* A file there gives way to the directory. */
	tree_free(&t);
	tree_init(&t, 1000);
	put_data("/lost+found", 10);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert(S_ISDIR(tree_lookup(&t, "/lost+found")->inode->mode));
	ck_assert_uint_eq(plan.blocks, 1 + 4);
	ck_assert_uint_eq(plan.bytes, 0);
}
END_TEST

START_TEST(xattr_and_legacy_translator_blocks)
{
	struct tree_node *n = put("/srv/x", S_IFREG | 0644);
	struct ext2_plan with_xattr;

	ck_assert_int_eq(tree_inode_add_xattr(n->inode, TRANSLATOR_XATTR,
					      "/hurd/x\0-a\0", 11),
			 0);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &with_xattr), 0);
	/* root, srv, lost+found 4, the EA block */
	ck_assert_uint_eq(with_xattr.blocks, 1 + 1 + 4 + 1);
	/* Legacy: the record's block instead of the EA block. */
	ck_assert_int_eq(ext2_plan_tree(&t, 1, &plan), 0);
	ck_assert_int_eq(plan.legacy, 1);
	ck_assert_uint_eq(plan.blocks, 1 + 1 + 4 + 1);
	/* Another attribute: legacy needs both blocks. */
	ck_assert_int_eq(tree_inode_add_xattr(n->inode, "user.k", "v", 1), 0);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 1 + 4 + 1);
	ck_assert_int_eq(ext2_plan_tree(&t, 1, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 1 + 4 + 2);
}
END_TEST

START_TEST(sizes_fit_the_plan)
{
	char need[32], have[32], want[512];
	uint64_t min, guess, small;

	small_tree();
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_int_eq(ext2_min_size(&plan, &min), 0);
	ck_assert_int_eq(ext2_guess_size(&plan, &guess), 0);
	ck_assert_uint_eq(min % 4096, 0);
	ck_assert_uint_eq(guess % 4096, 0);
	ck_assert_uint_eq(guess % (1 << 20), 0); /* whole MiB */
	ck_assert_uint_ge(guess, min);
	ck_assert_uint_ge(min, plan.blocks * 4096);
	diag_clear();
	ck_assert_int_eq(ext2_check_fits(&plan, min), 0);
	ck_assert_int_eq(ext2_check_fits(&plan, guess), 0);
	ck_assert_int_eq(ext2_check_fits(&plan, 64ULL << 20), 0);
	ck_assert_ptr_null(diag_message());
	small = min - 4096 * 16;
	ck_assert_int_eq(ext2_check_fits(&plan, small), EXIT_BUILD);
	ck_assert_ptr_nonnull(diag_message());
	size_format(small, have, sizeof(have));
	size_format(min, need, sizeof(need));
	snprintf(
		want, sizeof(want),
		"the root file system size %s is too small for the tree: it needs "
		"at least %s (%llu bytes); use a larger size or \"guess\"",
		have, need, (unsigned long long)min);
	ck_assert_str_eq(diag_message(), want);
	diag_clear();
	ck_assert_int_eq(ext2_check_fits(&plan, 0), EXIT_BUILD);
	ck_assert_ptr_nonnull(strstr(diag_message(), "needs at least"));
}
END_TEST

START_TEST(guess_grows_with_the_tree)
{
	struct ext2_plan more;
	uint64_t g1, g2, m1, m2;

	small_tree();
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	more = plan;
	more.blocks += 10000; /* ~40 MiB more data */
	ext2_min_size(&plan, &m1);
	ext2_min_size(&more, &m2);
	ext2_guess_size(&plan, &g1);
	ext2_guess_size(&more, &g2);
	ck_assert_uint_ge(m2, m1 + 10000ULL * 4096);
	ck_assert_uint_ge(g2, m2 + 2500ULL * 4096); /* 25% margin */
	ck_assert_uint_ge(g2, g1);
	ck_assert_int_eq(ext2_check_fits(&more, m2), 0);
	diag_clear();
	ck_assert_int_eq(ext2_check_fits(&more, m1), EXIT_BUILD);
	/* Many inodes need room in the inode tables, not data blocks. */
	more = plan;
	more.inodes += 100000;
	ext2_min_size(&more, &m2);
	ck_assert_uint_ge(m2, m1 + 100000ULL * EXT2_HURD_INODE_SIZE);
	ck_assert_int_eq(ext2_check_fits(&more, m2), 0);
}
END_TEST

/*
 * ext2_min_size() starts its search at the data blocks plus 64 and only
 * bisects downwards after a size that does not fit: when that first size
 * fits, it is returned although smaller ones fit too.
 */
START_TEST(min_size_is_the_smallest)
{
	uint64_t min;
	char path[32];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/f/%d", i);
		put_data(path, 5000);
	}
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 4 + 1 + 200);
	ext2_min_size(&plan, &min);
	ck_assert_int_eq(ext2_check_fits(&plan, min), 0);
	diag_clear();
	ck_assert_msg(ext2_check_fits(&plan, min - 4096) == EXIT_BUILD,
		      "%llu bytes fit, but the minimum is %llu",
		      (unsigned long long)(min - 4096),
		      (unsigned long long)min);
}
END_TEST

START_TEST(too_many_subdirectories)
{
	char path[32];
	int i;

	for (i = 0; i < 64998; i++) {
		snprintf(path, sizeof(path), "/d/%d", i);
		put(path, S_IFDIR | 0755);
	}
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(tree_lookup(&t, "/d")->inode->subdirs, 64998);
	put("/d/one-more", S_IFDIR | 0755);
	plan_fails(0, "/d: 64999 subdirectories; ext2 allows at most 64998 in "
		      "one directory");
	put("/d/two-more", S_IFDIR | 0755);
	plan_fails(0, "/d: 65000 subdirectories; ext2 allows at most 64998");
	/* Files do not count: the two made files again, and one more. */
	put("/d/one-more", S_IFREG | 0644);
	put("/d/two-more", S_IFREG | 0644);
	put("/d/file", S_IFREG | 0644);
	diag_clear();
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
}
END_TEST

START_TEST(too_many_hard_links)
{
	struct tree_node *a = put_data("/a", 1);
	char path[32];
	int i;

	for (i = 1; i < 65000; i++) {
		snprintf(path, sizeof(path), "/l/%d", i);
		ck_assert_int_eq(tree_link(&t, path, a), 0);
	}
	ck_assert_uint_eq(a->inode->nlink, 65000);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.files, 64999 + 4); /* root, a, l, lost+found */
	ck_assert_uint_eq(plan.inodes, 4 + 10);
	ck_assert_int_eq(tree_link(&t, "/l/last", a), 0);
	plan_fails(0, "65001 hard links; ext2 allows at most 65000");
}
END_TEST

START_TEST(symlink_targets_up_to_4095_bytes)
{
	put_symlink("/ok", 4095);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 4 + 1);
	put_symlink("/fast", 59);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 4 + 1);
	put_symlink("/slow", 60);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 4 + 2);
	put_symlink("/dir/too-long", 4096);
	plan_fails(
		0,
		"/dir/too-long: symlink target of 4096 bytes; at most 4095 fit");
}
END_TEST

START_TEST(file_size_limits)
{
	struct tree_node *n = put("/big", S_IFREG | 0644);
	struct tree_extent *e = malloc(sizeof(*e));

	/* A sparse 3 TiB file with its last block written: the block and
	 * one indirect block per level of the triple-indirect tree. */
	n->inode->size = 3ULL << 40;
	e->offset = (3ULL << 40) - 4096;
	e->length = 4096;
	ck_assert_int_eq(tree_inode_set_extents(n->inode, e, 1), 0);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_uint_eq(plan.blocks, 1 + 4 + 4);
	ck_assert_uint_eq(plan.bytes, 3ULL << 40);
	/* Past what the block tree can map. */
	n->inode->size = 5ULL << 40;
	e->offset = 0;
	plan_fails(0, "/big: 5497558138880 bytes is larger than ext2 with 4 "
		      "KiB blocks allows");
}
END_TEST

START_TEST(oversized_attributes)
{
	struct tree_node *n = put("/x", S_IFREG | 0644);
	char *big = calloc(1, 4096);

	ck_assert_int_eq(tree_inode_add_xattr(n->inode, "user.big", big, 4000),
			 0);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_int_eq(tree_inode_add_xattr(n->inode, "user.big", big, 4096),
			 0);
	plan_fails(
		0,
		"/x: the extended attributes do not fit in one 4096-byte block");
	/* A translator record of one block less its 2-byte length fits. */
	ck_assert_int_eq(tree_inode_add_xattr(n->inode, "user.big", big, 1), 0);
	ck_assert_int_eq(
		tree_inode_add_xattr(n->inode, TRANSLATOR_XATTR, big, 4094), 0);
	diag_clear();
	ck_assert_int_eq(ext2_plan_tree(&t, 1, &plan), 0);
	ck_assert_int_eq(
		tree_inode_add_xattr(n->inode, TRANSLATOR_XATTR, big, 4095), 0);
	plan_fails(
		1,
		"/x: the translator record does not fit in one 4096-byte block");
	free(big);
}
END_TEST

/* ---- ext2_write, read back with libext2fs ---- */

#define BIG_BLOCKS 16 /* past the 12 direct blocks: one indirect */

static char byte_at(uint64_t off)
{
	return (char)((off * 7 + off / EXT2_BLOCK) & 0xff);
}

/* A file of LEN bytes in memory: byte_at(offset) where an extent of
 * EXTENTS[0..N) holds data, zeros elsewhere (NULL: all data). */
static void put_pattern(const char *path, size_t len,
			const struct tree_extent *extents, size_t n)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFREG | 0640);
	char *data = calloc(1, len);
	size_t i, k;

	ck_assert_ptr_nonnull(data);
	for (i = 0; i < len; i++)
		for (k = 0; k < (extents ? n : 1); k++)
			if (!extents ||
			    (i >= extents[k].offset &&
			     i < extents[k].offset + extents[k].length))
				data[i] = byte_at(i);
	ck_assert_int_eq(tree_inode_set_data(ino, data, len), 0);
	free(data);
	if (extents) {
		struct tree_extent *v = malloc(n * sizeof(*v));

		ck_assert_ptr_nonnull(v);
		memcpy(v, extents, n * sizeof(*extents));
		ck_assert_int_eq(tree_inode_set_extents(ino, v, n), 0);
	}
	ino->uid = 70000; /* above 16 bits: the Hurd's high half */
	ck_assert_int_eq(tree_put(&t, path, ino, NULL), 0);
}

struct blocks {
	e2_blkcnt_t logical[64];
	blk64_t physical[64];
	int n, meta;
};

static int each_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct blocks *b = priv;

	if (blockcnt < 0) { /* an indirect block */
		b->meta++;
		return 0;
	}
	ck_assert_int_lt(b->n, 64);
	b->logical[b->n] = blockcnt;
	b->physical[b->n++] = *blocknr;
	return 0;
}

/* PATH's inode, and its blocks as block_iterate3 gives them. */
static ext2_ino_t blocks_of(ext2_filsys fs, const char *path,
			    struct ext2_inode *inode, struct blocks *b)
{
	ext2_ino_t ino;

	ck_assert_msg(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path,
				   &ino) == 0,
		      "%s not found", path);
	ck_assert_int_eq(ext2fs_read_inode(fs, ino, inode), 0);
	memset(b, 0, sizeof(*b));
	ck_assert_int_eq(ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY,
					       NULL, each_block, b),
			 0);
	return ino;
}

/* Every data block of B holds byte_at() of its file offset, up to LEN. */
static void blocks_hold_the_pattern(ext2_filsys fs, const struct blocks *b,
				    uint64_t len)
{
	char buf[EXT2_BLOCK];
	int i, k;

	for (i = 0; i < b->n; i++) {
		uint64_t at = (uint64_t)b->logical[i] * EXT2_BLOCK;

		ck_assert_int_eq(io_channel_read_blk64(fs->io, b->physical[i],
						       1, buf),
				 0);
		for (k = 0; k < EXT2_BLOCK; k++)
			if (buf[k] != (at + k < len ? byte_at(at + k) : 0))
				ck_abort_msg("block %lld, byte %d: %d",
					     (long long)b->logical[i], k,
					     buf[k]);
	}
}

static int name_seen(ext2_ino_t dir, int entry, struct ext2_dir_entry *d,
		     int offset, int blocksize, char *buf, void *priv)
{
	char *names = priv;

	strncat(names, d->name, (size_t)ext2fs_dirent_name_len(d));
	strcat(names, " ");
	return 0;
}

START_TEST(written_files_read_back_through_libext2fs)
{
	static const struct tree_extent holes[] = { { 0, 4096 },
						    { 9 * 4096, 4096 } };
	char path[] = "/tmp/check_ext2.XXXXXX", names[256] = "";
	struct ext2_options o;
	struct ext2_inode inode, big;
	struct blocks b;
	struct disk d;
	ext2_filsys fs;
	ext2_ino_t ino;
	uint64_t size;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	put_pattern("/big", BIG_BLOCKS * EXT2_BLOCK - 100, NULL, 0);
	ck_assert_int_eq(
		tree_link(&t, "/dir/big-again", tree_lookup(&t, "/big")), 0);
	put_pattern("/sparse", 10 * 4096, holes, 2);
	put_symlink("/lnk", 20);
	put("/dir/sub", S_IFDIR | 0700);
	ck_assert_int_eq(ext2_plan_tree(&t, 0, &plan), 0);
	ck_assert_int_eq(ext2_guess_size(&plan, &size), 0);
	ck_assert_int_eq(disk_open(&d, &disk_format_raw, fd, path, size, NULL),
			 0);
	memset(&o, 0, sizeof(o));
	o.size = size;
	o.label = "unit";
	o.timestamp = 1000;
	ck_assert_msg(ext2_write(&t, &plan, &o, &d, 0) == 0, "%s",
		      diag_message());
	ck_assert_int_eq(disk_finish(&d), 0);
	disk_close(&d);
	close(fd);

	ck_assert_int_eq(
		ext2fs_open2(path, NULL, 0, 0, 0, unix_io_manager, &fs), 0);
	ck_assert_int_eq(fs->super->s_creator_os, EXT2_OS_HURD);
	ck_assert_int_eq(EXT2_INODE_SIZE(fs->super), 128);
	ck_assert_int_eq(fs->blocksize, EXT2_BLOCK);
	ck_assert_str_eq((char *)fs->super->s_volume_name, "unit");
	/* 16 blocks in order, through one indirect block, with the bytes. */
	ino = blocks_of(fs, "big", &big, &b);
	ck_assert_int_eq(EXT2_I_SIZE(&big), BIG_BLOCKS * EXT2_BLOCK - 100);
	ck_assert_int_eq(big.i_mode, LINUX_S_IFREG | 0640);
	ck_assert_int_eq(big.i_uid | big.osd2.hurd2.h_i_uid_high << 16, 70000);
	ck_assert_int_eq(big.i_links_count, 2);
	ck_assert_int_eq(b.n, BIG_BLOCKS);
	ck_assert_int_eq(b.meta, 1);
	ck_assert_int_eq(b.logical[0], 0);
	ck_assert_int_eq(b.logical[BIG_BLOCKS - 1], BIG_BLOCKS - 1);
	blocks_hold_the_pattern(fs, &b, EXT2_I_SIZE(&big));
	ck_assert_int_eq(blocks_of(fs, "dir/big-again", &inode, &b), ino);
	/* Only the data of a file with holes has blocks. */
	blocks_of(fs, "sparse", &inode, &b);
	ck_assert_int_eq(EXT2_I_SIZE(&inode), 10 * 4096);
	ck_assert_int_eq(b.n, 2);
	ck_assert_int_eq(b.logical[0], 0);
	ck_assert_int_eq(b.logical[1], 9);
	blocks_hold_the_pattern(fs, &b, EXT2_I_SIZE(&inode));
	/* A fast symlink keeps its target in the inode, no block. */
	ck_assert_int_eq(
		ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, "lnk", &ino), 0);
	ck_assert_int_eq(ext2fs_read_inode(fs, ino, &inode), 0);
	ck_assert(LINUX_S_ISLNK(inode.i_mode));
	ck_assert_int_eq(inode.i_blocks, 0);
	ck_assert_int_eq(EXT2_I_SIZE(&inode), 20);
	ck_assert_int_eq(memcmp(inode.i_block, "llllllllllllllllllll", 20), 0);
	/* The directory's entries, sorted. */
	ck_assert_int_eq(
		ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, "dir", &ino), 0);
	ck_assert_int_eq(
		ext2fs_dir_iterate2(fs, ino, 0, NULL, name_seen, names), 0);
	ck_assert_str_eq(names, ". .. big-again sub ");
	ext2fs_close_free(&fs);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ext2");
	TCase *tc = tcase_create("ext2");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plan_counts_the_small_tree);
	tcase_add_test(tc, an_existing_lost_found_is_kept);
	tcase_add_test(tc, xattr_and_legacy_translator_blocks);
	tcase_add_test(tc, sizes_fit_the_plan);
	tcase_add_test(tc, guess_grows_with_the_tree);
	tcase_add_test(tc, min_size_is_the_smallest);
	tcase_add_test(tc, too_many_subdirectories);
	tcase_add_test(tc, too_many_hard_links);
	tcase_add_test(tc, symlink_targets_up_to_4095_bytes);
	tcase_add_test(tc, file_size_limits);
	tcase_add_test(tc, oversized_attributes);
	tcase_add_test(tc, written_files_read_back_through_libext2fs);
	suite_add_tcase(s, tc);
	return check_run(s);
}
