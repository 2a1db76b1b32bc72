/* check_tree.c - the manifest: insert, override, lookup, sorted walk */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "tree.h"

static struct tree t;

static void setup(void)
{
	diag_clear();
	ck_assert_int_eq(tree_init(&t, 42), 0);
}

static void teardown(void)
{
	tree_free(&t);
}

static struct tree_node *put_file(const char *path, const char *text)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFREG | 0644);
	struct tree_node *n = NULL;

	ck_assert_int_eq(tree_inode_set_data(ino, text, strlen(text)), 0);
	ck_assert_int_eq(tree_put(&t, path, ino, &n), 0);
	return n;
}

static void put_dir(const char *path, uint32_t mode)
{
	ck_assert_int_eq(tree_put(&t, path, tree_inode_new(&t, S_IFDIR | mode), NULL), 0);
}

START_TEST(parents_are_made_implicitly)
{
	struct tree_node *n;

	put_file("/a/b/c", "x");
	n = tree_lookup(&t, "/a/b");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->inode->mode, S_IFDIR | 0755);
	ck_assert_int_eq(n->inode->mtime, 42);
	ck_assert_ptr_nonnull(tree_lookup(&t, "/a/b/c"));
	ck_assert_ptr_null(tree_lookup(&t, "/a/b/d"));
	ck_assert_ptr_eq(tree_lookup(&t, "/"), t.root);
}
END_TEST

START_TEST(later_entries_override_earlier_ones)
{
	put_file("/etc/motd", "old");
	put_file("/etc/motd", "new");
	ck_assert_mem_eq(tree_lookup(&t, "/etc/motd")->inode->data, "new", 3);
	/* A directory over a directory: new metadata, old contents. */
	put_dir("/etc", 0700);
	ck_assert_uint_eq(tree_lookup(&t, "/etc")->inode->mode, S_IFDIR | 0700);
	ck_assert_ptr_nonnull(tree_lookup(&t, "/etc/motd"));
	/* A file over a directory drops what was under it. */
	put_file("/etc", "flat");
	ck_assert_ptr_null(tree_lookup(&t, "/etc/motd"));
	ck_assert(S_ISREG(tree_lookup(&t, "/etc")->inode->mode));
	/* And a directory over a file. */
	put_dir("/etc", 0755);
	ck_assert(S_ISDIR(tree_lookup(&t, "/etc")->inode->mode));
	ck_assert_uint_eq(tree_lookup(&t, "/etc")->nkids, 0);
}
END_TEST

START_TEST(hard_links_share_an_inode)
{
	struct tree_node *a = put_file("/a", "data"), *b;

	ck_assert_int_eq(tree_link(&t, "/b", a), 0);
	b = tree_lookup(&t, "/b");
	ck_assert_ptr_eq(a->inode, b->inode);
	ck_assert_uint_eq(a->inode->nlink, 2);
	ck_assert_int_eq(tree_remove(&t, "/a"), 0);
	ck_assert_uint_eq(tree_lookup(&t, "/b")->inode->nlink, 1);
	ck_assert_mem_eq(tree_lookup(&t, "/b")->inode->data, "data", 4);
	put_dir("/d", 0755);
	ck_assert_int_eq(tree_link(&t, "/e", tree_lookup(&t, "/d")), -1);
	ck_assert_ptr_nonnull(strstr(diag_message(), "hard link to a directory"));
}
END_TEST

START_TEST(bad_paths_are_refused)
{
	char name[300], path[310];

	ck_assert_int_eq(tree_put(&t, "relative", tree_inode_new(&t, S_IFREG), NULL), -1);
	ck_assert_int_eq(tree_put(&t, "/a/../b", tree_inode_new(&t, S_IFREG), NULL), -1);
	ck_assert_int_eq(tree_put(&t, "/a/./b", tree_inode_new(&t, S_IFREG), NULL), -1);
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(path, sizeof(path), "/%s", name);
	ck_assert_int_eq(tree_put(&t, path, tree_inode_new(&t, S_IFREG), NULL), -1);
	name[255] = '\0';
	snprintf(path, sizeof(path), "/%s", name);
	ck_assert_int_eq(tree_put(&t, path, tree_inode_new(&t, S_IFREG), NULL), 0);
	put_file("/file", "x");
	diag_clear();
	ck_assert_int_eq(tree_put(&t, "/file/under", tree_inode_new(&t, S_IFREG), NULL), -1);
	ck_assert_ptr_nonnull(strstr(diag_message(), "not a directory"));
	/* Repeated slashes are one. */
	put_file("//x//y", "z");
	ck_assert_ptr_nonnull(tree_lookup(&t, "/x/y"));
}
END_TEST

static int collect(struct tree_node *n, void *arg)
{
	char *out = arg, path[256];

	tree_path(n, path, sizeof(path));
	strcat(out, path);
	strcat(out, " ");
	return 0;
}

START_TEST(walk_is_sorted_preorder_in_byte_order)
{
	char out[512] = "";

	put_file("/b", "");
	put_file("/\xc3\xa4", "");
	put_file("/a/z", "");
	put_file("/B", "");
	put_file("/a/y", "");
	tree_finish(&t);
	tree_walk(&t, collect, out);
	ck_assert_str_eq(out, "/ /B /a /a/y /a/z /b /\xc3\xa4 ");
	ck_assert_uint_eq(t.root->inode->subdirs, 1);
}
END_TEST

START_TEST(fifty_thousand_names_in_one_directory)
{
	char path[64];
	int i;

	for (i = 49999; i >= 0; i--) {
		snprintf(path, sizeof(path), "/d/f%05d", i);
		put_file(path, "");
	}
	for (i = 0; i < 50000; i += 2) {
		snprintf(path, sizeof(path), "/d/f%05d", i);
		ck_assert_int_eq(tree_remove(&t, path), 0);
	}
	for (i = 0; i < 50000; i++) {
		snprintf(path, sizeof(path), "/d/f%05d", i);
		if (i % 2)
			ck_assert_ptr_nonnull(tree_lookup(&t, path));
		else
			ck_assert_ptr_null(tree_lookup(&t, path));
	}
	ck_assert_uint_eq(tree_lookup(&t, "/d")->nkids, 25000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("tree");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parents_are_made_implicitly);
	tcase_add_test(tc, later_entries_override_earlier_ones);
	tcase_add_test(tc, hard_links_share_an_inode);
	tcase_add_test(tc, bad_paths_are_refused);
	tcase_add_test(tc, walk_is_sorted_preorder_in_byte_order);
	tcase_add_test(tc, fifty_thousand_names_in_one_directory);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
