/* check_ext2.c - planning the ext2 file system: counts, sizes, limits */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "ext2.h"
#include "size.h"

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
	/* Files do not count. */
	tree_remove(&t, "/d/one-more");
	tree_remove(&t, "/d/two-more");
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
	    0, "/dir/too-long: symlink target of 4096 bytes; at most 4095 fit");
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
	    0, "/x: the extended attributes do not fit in one 4096-byte block");
	/* A translator record of one block less its 2-byte length fits. */
	ck_assert_int_eq(tree_inode_add_xattr(n->inode, "user.big", big, 1), 0);
	ck_assert_int_eq(
	    tree_inode_add_xattr(n->inode, TRANSLATOR_XATTR, big, 4094), 0);
	diag_clear();
	ck_assert_int_eq(ext2_plan_tree(&t, 1, &plan), 0);
	ck_assert_int_eq(
	    tree_inode_add_xattr(n->inode, TRANSLATOR_XATTR, big, 4095), 0);
	plan_fails(
	    1, "/x: the translator record does not fit in one 4096-byte block");
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ext2");
	TCase *tc = tcase_create("ext2");
	SRunner *sr;
	int failed;

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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
