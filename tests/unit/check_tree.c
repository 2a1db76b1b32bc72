/* check_tree.c - the manifest: insert, override, links, lookup, sorted walk */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "tree.h"
#include "check-run.h"

#define MTIME 42

static struct tree t;

static void setup(void)
{
	diag_clear();
	ck_assert_int_eq(tree_init(&t, MTIME), 0);
}

static void teardown(void)
{
	tree_free(&t);
}

static struct tree_node *put_file(const char *path, const char *text)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFREG | 0644);
	struct tree_node *n = NULL;

	ck_assert_ptr_nonnull(ino);
	ck_assert_int_eq(tree_inode_set_data(ino, text, strlen(text)), 0);
	ck_assert_msg(tree_put(&t, path, ino, &n) == 0, "put %s: %s", path,
		      diag_message() ? diag_message() : "");
	ck_assert_ptr_nonnull(n);
	return n;
}

static struct tree_node *put_dir(const char *path, uint32_t mode, int64_t mtime)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFDIR | mode);
	struct tree_node *n = NULL;

	ck_assert_ptr_nonnull(ino);
	ino->mtime = mtime;
	ck_assert_msg(tree_put(&t, path, ino, &n) == 0, "put %s: %s", path,
		      diag_message() ? diag_message() : "");
	return n;
}

/* tree_put of PATH must fail with a message holding WHAT, and leave the
 * tree as it was. */
static void put_fails(const char *path, const char *what)
{
	size_t before = t.nnodes, used = t.used;

	diag_clear();
	ck_assert_msg(tree_put(&t, path, tree_inode_new(&t, S_IFREG | 0644),
			       NULL) == -1,
		      "'%s' accepted", path);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(strstr(diag_message(), what), "'%s' lacks '%s'",
		      diag_message(), what);
	ck_assert_uint_eq(t.nnodes, before);
	ck_assert_uint_eq(t.used, used);
}

static const char *data_of(const char *path)
{
	struct tree_node *n = tree_lookup(&t, path);

	ck_assert_msg(n != NULL, "%s missing", path);
	ck_assert_int_eq(n->inode->content, CONTENT_MEM);
	return tree_inode_data(n->inode);
}

START_TEST(a_fresh_tree_is_an_empty_root)
{
	ck_assert_ptr_nonnull(t.root);
	ck_assert_str_eq(t.root->name, "");
	ck_assert_ptr_null(t.root->parent);
	ck_assert_uint_eq(tree_nkids(t.root), 0);
	ck_assert_uint_eq(t.root->inode->mode, S_IFDIR | 0755);
	ck_assert_int_eq(t.root->inode->mtime, MTIME);
	ck_assert_uint_eq(t.nnodes, 1);
	ck_assert_int_eq(t.default_mtime, MTIME);
	ck_assert_ptr_eq(tree_lookup(&t, "/"), t.root);
}
END_TEST

START_TEST(inode_defaults)
{
	struct tree_inode *ino = tree_inode_new(&t, S_IFREG | 0600);

	ck_assert_uint_eq(ino->mode, S_IFREG | 0600);
	ck_assert_uint_eq(ino->uid, 0);
	ck_assert_uint_eq(ino->gid, 0);
	ck_assert_int_eq(ino->mtime, MTIME);
	ck_assert_uint_eq(ino->size, 0);
	ck_assert_int_eq(ino->content, CONTENT_NONE);
	ck_assert_int_eq(tree_inode_set_data(ino, "hello", 5), 0);
	ck_assert_uint_eq(ino->size, 5);
	ck_assert_int_eq(ino->content, CONTENT_MEM);
	ck_assert_mem_eq(tree_inode_data(ino), "hello", 5);
	ck_assert_int_eq(tree_inode_set_symlink(ino, "../target"), 0);
	ck_assert_uint_eq(ino->size, 9);
	ck_assert_str_eq(tree_inode_data(ino), "../target");
	ck_assert_int_eq(tree_inode_add_xattr(ino, "gnu.translator", "a", 2),
			 0);
	ck_assert_int_eq(tree_inode_add_xattr(ino, "user.x", "1", 1), 0);
	ck_assert_int_eq(tree_inode_add_xattr(ino, "gnu.translator", "bcd", 4),
			 0);
	ck_assert_uint_eq(tree_inode_nxattrs(ino), 2);
	ck_assert_str_eq(tree_inode_xattrs(ino)[0].name, "gnu.translator");
	ck_assert_uint_eq(tree_inode_xattrs(ino)[0].len, 4);
	ck_assert_mem_eq(tree_inode_xattrs(ino)[0].value, "bcd", 4);
	tree_inode_free(ino);
}
END_TEST

START_TEST(parents_are_made_implicitly)
{
	struct tree_node *c, *a, *b;

	c = put_file("/a/b/c", "x");
	ck_assert_uint_eq(t.nnodes, 4);
	a = tree_lookup(&t, "/a");
	b = tree_lookup(&t, "/a/b");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a->inode->mode, S_IFDIR | 0755);
	ck_assert_uint_eq(b->inode->mode, 040755);
	ck_assert_int_eq(a->inode->mtime, MTIME);
	ck_assert_int_eq(b->inode->mtime, MTIME);
	ck_assert_uint_eq(b->inode->uid, 0);
	ck_assert_uint_eq(b->inode->gid, 0);
	ck_assert_uint_eq(b->inode->nlink, 1);
	ck_assert_str_eq(b->name, "b");
	ck_assert_ptr_eq(b->parent, a);
	ck_assert_ptr_eq(a->parent, t.root);
	ck_assert_ptr_eq(c->parent, b);
	ck_assert_str_eq(c->name, "c");
	ck_assert_uint_eq(c->inode->nlink, 1);
	ck_assert_ptr_eq(tree_lookup(&t, "/a/b/c"), c);
	ck_assert_ptr_null(tree_lookup(&t, "/a/b/d"));
	ck_assert_ptr_null(tree_lookup(&t, "/a/x/c"));
	ck_assert_ptr_null(tree_lookup(&t, "/b"));
	/* Repeated and trailing slashes are harmless, "." and ".." are not. */
	ck_assert_ptr_eq(tree_lookup(&t, "/a//b///c"), c);
	ck_assert_ptr_eq(tree_lookup(&t, "/a/b/"), b);
	ck_assert_ptr_null(tree_lookup(&t, "/a/./b"));
	ck_assert_ptr_null(tree_lookup(&t, "/a/b/../b"));
	ck_assert_ptr_null(tree_lookup(&t, "a/b"));
	/* Lookups record no message. */
	ck_assert_ptr_null(diag_message());
	/* A second file reuses the parents. */
	put_file("/a/b/d", "y");
	ck_assert_uint_eq(t.nnodes, 5);
	ck_assert_uint_eq(tree_nkids(b), 2);
}
END_TEST

START_TEST(file_over_file_replaces)
{
	struct tree_node *n;

	put_file("/etc/motd", "old");
	n = put_file("/etc/motd", "new!");
	ck_assert_uint_eq(t.nnodes, 3);
	ck_assert_uint_eq(tree_nkids(tree_lookup(&t, "/etc")), 1);
	ck_assert_ptr_eq(tree_lookup(&t, "/etc/motd"), n);
	ck_assert_uint_eq(n->inode->size, 4);
	ck_assert_mem_eq(data_of("/etc/motd"), "new!", 4);
	ck_assert_uint_eq(n->inode->nlink, 1);
}
END_TEST

START_TEST(dir_over_dir_keeps_children_takes_metadata)
{
	struct tree_node *etc, *again;

	put_file("/etc/motd", "m");
	put_file("/etc/ssh/config", "c");
	etc = tree_lookup(&t, "/etc");
	ck_assert_uint_eq(etc->inode->mode, S_IFDIR | 0755);
	again = put_dir("/etc", 0700, 1000);
	ck_assert_ptr_eq(again, etc); /* the same node */
	ck_assert_ptr_eq(tree_lookup(&t, "/etc"), etc);
	ck_assert_uint_eq(etc->inode->mode, S_IFDIR | 0700);
	ck_assert_int_eq(etc->inode->mtime, 1000);
	ck_assert_uint_eq(etc->inode->nlink, 1);
	ck_assert_uint_eq(tree_nkids(etc), 2);
	ck_assert_mem_eq(data_of("/etc/motd"), "m", 1);
	ck_assert_mem_eq(data_of("/etc/ssh/config"), "c", 1);
	ck_assert_uint_eq(t.nnodes, 5);
	/* The root too: new metadata, same contents. */
	ck_assert_ptr_eq(put_dir("/", 0711, 7), t.root);
	ck_assert_uint_eq(t.root->inode->mode, S_IFDIR | 0711);
	ck_assert_int_eq(t.root->inode->mtime, 7);
	ck_assert_uint_eq(tree_nkids(t.root), 1);
	ck_assert_mem_eq(data_of("/etc/motd"), "m", 1);
}
END_TEST

START_TEST(file_over_dir_drops_the_subtree)
{
	struct tree_node *n;

	put_file("/etc/motd", "m");
	put_file("/etc/ssh/config", "c");
	put_file("/other", "o");
	ck_assert_uint_eq(t.nnodes, 6);
	n = put_file("/etc", "flat");
	ck_assert(S_ISREG(n->inode->mode));
	ck_assert_ptr_eq(tree_lookup(&t, "/etc"), n);
	ck_assert_uint_eq(tree_nkids(n), 0);
	ck_assert_ptr_null(tree_lookup(&t, "/etc/motd"));
	ck_assert_ptr_null(tree_lookup(&t, "/etc/ssh"));
	ck_assert_ptr_null(tree_lookup(&t, "/etc/ssh/config"));
	ck_assert_uint_eq(t.nnodes, 3);
	ck_assert_uint_eq(tree_nkids(t.root), 2);
	ck_assert_mem_eq(data_of("/other"), "o", 1);
	/* The old children are gone from the index too: a path under the
	 * file is now refused rather than found. */
	put_fails("/etc/motd", "not a directory");
	/* The root cannot become a file. */
	put_fails("/", "the root must be a directory");
	ck_assert(S_ISDIR(t.root->inode->mode));
}
END_TEST

START_TEST(dir_over_file)
{
	struct tree_node *n;

	put_file("/x", "file");
	n = put_dir("/x", 0750, 9);
	ck_assert(S_ISDIR(n->inode->mode));
	ck_assert_uint_eq(n->inode->mode, S_IFDIR | 0750);
	ck_assert_int_eq(n->inode->mtime, 9);
	ck_assert_uint_eq(tree_nkids(n), 0);
	ck_assert_uint_eq(n->inode->nlink, 1);
	ck_assert_ptr_eq(tree_lookup(&t, "/x"), n);
	ck_assert_uint_eq(t.nnodes, 2);
	put_file("/x/y", "under");
	ck_assert_mem_eq(data_of("/x/y"), "under", 5);
}
END_TEST

START_TEST(hard_links_share_an_inode)
{
	struct tree_node *a = put_file("/a", "data"), *b, *c;
	struct tree_inode *ino = a->inode;

	ck_assert_int_eq(tree_link(&t, "/b", a), 0);
	ck_assert_int_eq(tree_link(&t, "/sub/c", a), 0);
	b = tree_lookup(&t, "/b");
	c = tree_lookup(&t, "/sub/c");
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(b, a);
	ck_assert_ptr_eq(b->inode, ino);
	ck_assert_ptr_eq(c->inode, ino);
	ck_assert_uint_eq(ino->nlink, 3);
	ck_assert_uint_eq(t.nnodes, 5);
	/* The link survives the first name's replacement by another file. */
	put_file("/a", "other");
	ck_assert_ptr_ne(tree_lookup(&t, "/a")->inode, ino);
	ck_assert_uint_eq(ino->nlink, 2);
	ck_assert_mem_eq(data_of("/b"), "data", 4);
	/* Replacing a directory holding a name drops that one link only. */
	put_file("/sub", "a file now");
	ck_assert_ptr_null(tree_lookup(&t, "/sub/c"));
	ck_assert_uint_eq(ino->nlink, 1);
	ck_assert_mem_eq(data_of("/b"), "data", 4);
	ck_assert_uint_eq(t.nnodes, 4);
}
END_TEST

START_TEST(replacing_one_name_of_a_linked_inode)
{
	struct tree_node *a = put_file("/a", "shared");
	struct tree_inode *ino = a->inode;

	ck_assert_int_eq(tree_link(&t, "/b", a), 0);
	ck_assert_uint_eq(ino->nlink, 2);
	put_file("/a", "fresh");
	ck_assert_uint_eq(ino->nlink, 1);
	ck_assert_ptr_eq(tree_lookup(&t, "/b")->inode, ino);
	ck_assert_mem_eq(data_of("/b"), "shared", 6);
	ck_assert_mem_eq(data_of("/a"), "fresh", 5);
	ck_assert_uint_eq(tree_lookup(&t, "/a")->inode->nlink, 1);
	/* A link over another file replaces that file. */
	a = tree_lookup(&t, "/a");
	ck_assert_int_eq(tree_link(&t, "/b", a), 0);
	ck_assert_ptr_eq(tree_lookup(&t, "/b")->inode, a->inode);
	ck_assert_uint_eq(a->inode->nlink, 2);
	ck_assert_uint_eq(t.nnodes, 3);
	/* A link over its own name changes nothing. */
	ck_assert_int_eq(tree_link(&t, "/b", tree_lookup(&t, "/b")), 0);
	ck_assert_uint_eq(tree_lookup(&t, "/a")->inode->nlink, 2);
	ck_assert_ptr_eq(tree_lookup(&t, "/b")->inode,
			 tree_lookup(&t, "/a")->inode);
	ck_assert_mem_eq(data_of("/b"), "fresh", 5);
}
END_TEST

START_TEST(bad_links_are_refused)
{
	struct tree_node *a = put_file("/a", "data"), *d;

	d = put_dir("/d", 0755, MTIME);
	put_file("/d/inside", "i");
	ck_assert_int_eq(tree_link(&t, "/e", d), -1);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_ptr_nonnull(
		strstr(diag_message(), "hard link to a directory"));
	ck_assert_ptr_null(tree_lookup(&t, "/e"));
	/* Under a file, or at a bad path. */
	diag_clear();
	ck_assert_int_eq(tree_link(&t, "/a/x", a), -1);
	ck_assert_ptr_nonnull(strstr(diag_message(), "not a directory"));
	ck_assert_uint_eq(a->inode->nlink, 1);
	diag_clear();
	ck_assert_int_eq(tree_link(&t, "relative", a), -1);
	ck_assert_uint_eq(a->inode->nlink, 1);
	ck_assert_int_eq(tree_link(&t, "/", a), -1);
	ck_assert_uint_eq(a->inode->nlink, 1);
	ck_assert_uint_eq(t.nnodes, 4);
}
END_TEST

/*
 * tree_link() has a branch for "PATH is a directory; cannot make it a hard
 * link", but put_node() only reports an existing directory when the new
 * inode is one too, which tree_link() has already refused: the directory
 * and everything under it are replaced by the link instead.
 */
START_TEST(a_link_onto_a_directory_is_refused)
{
	struct tree_node *a = put_file("/a", "data"), *f;

	put_file("/d/inside", "i");
	diag_clear();
	ck_assert_int_eq(tree_link(&t, "/d", a), -1);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_ptr_nonnull(strstr(diag_message(), "is a directory"));
	ck_assert_uint_eq(a->inode->nlink, 1);
	ck_assert(S_ISDIR(tree_lookup(&t, "/d")->inode->mode));
	ck_assert_ptr_nonnull(tree_lookup(&t, "/d/inside"));
	/* Nor onto a directory above the target itself. */
	f = tree_lookup(&t, "/d/inside");
	diag_clear();
	ck_assert_int_eq(tree_link(&t, "/d", f), -1);
	ck_assert_ptr_eq(tree_lookup(&t, "/d/inside"), f);
	ck_assert_uint_eq(f->inode->nlink, 1);
	ck_assert_uint_eq(t.nnodes, 4);
}
END_TEST

START_TEST(bad_paths_are_refused)
{
	char name[300], path[320];

	put_fails("relative", "must be absolute");
	put_fails("", "must be absolute");
	put_fails("a/b", "must be absolute");
	put_fails("/..", "not a canonical path");
	put_fails("/.", "not a canonical path");
	put_fails("/a/../b", "not a canonical path");
	put_fails("/a/./b", "not a canonical path");
	put_fails("/a/..", "not a canonical path");
	put_fails("/a/.", "not a canonical path");
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(path, sizeof(path), "/%s", name);
	put_fails(path, "longer than 255 bytes");
	snprintf(path, sizeof(path), "/%s/x", name);
	put_fails(path, "longer than 255 bytes");
	ck_assert_ptr_null(tree_lookup(&t, "/a"));
	ck_assert_uint_eq(t.nnodes, 1);
	ck_assert_uint_eq(tree_nkids(t.root), 0);
	name[255] = '\0';
	snprintf(path, sizeof(path), "/%s", name);
	put_file(path, "");
	ck_assert_uint_eq(strlen(tree_lookup(&t, path)->name), 255);
	/* "a//b" and a trailing slash are the canonical path. */
	put_file("//x//y", "z");
	ck_assert_mem_eq(data_of("/x/y"), "z", 1);
	put_file("/x/w/", "w");
	ck_assert_mem_eq(data_of("/x/w"), "w", 1);
	/* Dots that are not "." or ".." are ordinary names. */
	put_file("/...", "3");
	put_file("/.hidden", "h");
	put_file("/..x", "x");
	ck_assert_mem_eq(data_of("/..."), "3", 1);
	ck_assert_mem_eq(data_of("/.hidden"), "h", 1);
	ck_assert_mem_eq(data_of("/..x"), "x", 1);
}
END_TEST

START_TEST(a_parent_that_is_a_file)
{
	put_file("/file", "x");
	put_fails("/file/under", "a parent of this path is not a directory");
	put_fails("/file/under/deeper",
		  "a parent of this path is not a directory");
	ck_assert_ptr_null(tree_lookup(&t, "/file/under"));
	ck_assert_uint_eq(tree_nkids(tree_lookup(&t, "/file")), 0);
	ck_assert(S_ISREG(tree_lookup(&t, "/file")->inode->mode));
	/* A symlink is not a directory either. */
	{
		struct tree_inode *l = tree_inode_new(&t, S_IFLNK | 0777);

		tree_inode_set_symlink(l, "/file");
		ck_assert_int_eq(tree_put(&t, "/link", l, NULL), 0);
	}
	put_fails("/link/x", "not a directory");
}
END_TEST

START_TEST(replacing_takes_the_subtree)
{
	put_file("/a/b", "1");
	put_file("/a/c/d", "2");
	ck_assert_uint_eq(t.nnodes, 5);
	/* A file over a directory: what was under it is gone. */
	put_file("/a/c", "a file");
	ck_assert_ptr_null(tree_lookup(&t, "/a/c/d"));
	ck_assert_mem_eq(data_of("/a/c"), "a file", 6);
	ck_assert_uint_eq(tree_nkids(tree_lookup(&t, "/a")), 2);
	ck_assert_uint_eq(t.nnodes, 4);
	/* The name can be used again, as anything. */
	put_dir("/a/c", 0755, 1);
	put_file("/a/c/d", "again");
	ck_assert_mem_eq(data_of("/a/c/d"), "again", 5);
	ck_assert_uint_eq(t.nnodes, 5);
	put_file("/a", "flat");
	ck_assert_uint_eq(t.nnodes, 2);
	ck_assert_uint_eq(tree_nkids(t.root), 1);
	ck_assert_ptr_null(tree_lookup(&t, "/a/b"));
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
	put_file("/a/Y/1", "");
	put_file("/-", "");
	put_file("/a0", "");
	tree_finish(&t);
	tree_walk(&t, collect, out);
	ck_assert_str_eq(out,
			 "/ /- /B /a /a/Y /a/Y/1 /a/y /a/z /a0 /b /\xc3\xa4 ");
	ck_assert_uint_eq(t.root->inode->subdirs, 1);
	ck_assert_uint_eq(tree_lookup(&t, "/a")->inode->subdirs, 1);
	ck_assert_uint_eq(tree_lookup(&t, "/a/Y")->inode->subdirs, 0);
	ck_assert_uint_eq(t.root->inode->nlink, 1);
	ck_assert_str_eq(tree_kids(t.root)[0]->name, "-");
	ck_assert_str_eq(tree_kids(t.root)[5]->name, "\xc3\xa4");
}
END_TEST

struct stop {
	int seen, at;
};

static int stop_at(struct tree_node *n, void *arg)
{
	struct stop *s = arg;

	return ++s->seen == s->at ? 77 : 0;
}

START_TEST(walk_stops_when_asked)
{
	struct stop s = { 0, 3 };

	put_file("/a/1", "");
	put_file("/a/2", "");
	put_file("/b/3", "");
	tree_finish(&t);
	ck_assert_int_eq(tree_walk(&t, stop_at, &s), 77);
	ck_assert_int_eq(s.seen, 3);
	s.seen = 0;
	s.at = 100;
	ck_assert_int_eq(tree_walk(&t, stop_at, &s), 0);
	ck_assert_int_eq(s.seen, 6);
}
END_TEST

START_TEST(paths_of_nodes)
{
	struct tree_node *n = put_file("/usr/share/doc", "");
	char buf[64];

	ck_assert_uint_eq(tree_path(t.root, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "/");
	ck_assert_uint_eq(tree_path(n, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "/usr/share/doc");
	ck_assert_uint_eq(tree_path(n->parent, buf, sizeof(buf)), 10);
	ck_assert_str_eq(buf, "/usr/share");
	/* Exactly enough room, then one byte short. */
	memset(buf, 'Z', sizeof(buf));
	ck_assert_uint_eq(tree_path(n, buf, 15), 14);
	ck_assert_str_eq(buf, "/usr/share/doc");
	memset(buf, 'Z', sizeof(buf));
	ck_assert_uint_eq(tree_path(n, buf, 14), 14);
	ck_assert_str_eq(buf, "...");
}
END_TEST

/* Without an assertion per call: libcheck records each one. */
static void quick_put(const char *path)
{
	if (tree_put(&t, path, tree_inode_new(&t, S_IFREG | 0644), NULL))
		ck_abort_msg("put %s: %s", path, diag_message());
}

START_TEST(fifty_thousand_names_in_one_directory)
{
	char path[64];
	struct tree_node *d, *n;
	int i;

	/* Reverse order: every insertion lands in a fresh probe run.  Every
	 * second name is a directory holding x. */
	for (i = 49999; i >= 0; i--) {
		snprintf(path, sizeof(path), i % 2 ? "/d/f%05d" : "/d/f%05d/x",
			 i);
		quick_put(path);
	}
	d = tree_lookup(&t, "/d");
	ck_assert_uint_eq(tree_nkids(d), 50000);
	ck_assert_uint_eq(t.nnodes, 75002);
	/* /d's names are hashed; the small directories' are searched in place. */
	ck_assert_uint_eq(t.used, 50000);
	ck_assert_uint_ge(t.nslots, 65536); /* grown from 1024 slots */
	for (i = 0; i < 50000; i++) {
		snprintf(path, sizeof(path), i % 2 ? "/d/f%05d" : "/d/f%05d/x",
			 i);
		if (!tree_lookup(&t, path))
			ck_abort_msg("%s lost", path);
	}
	/* A file over each of those directories: 25000 names of x leave
	 * the table, spread among the 50000 that stay. */
	for (i = 0; i < 50000; i += 2) {
		snprintf(path, sizeof(path), "/d/f%05d", i);
		quick_put(path);
	}
	ck_assert_uint_eq(tree_nkids(d), 50000);
	ck_assert_uint_eq(t.nnodes, 50002);
	ck_assert_uint_eq(t.used, 50000);
	for (i = 0; i < 50000; i++) {
		snprintf(path, sizeof(path), "/d/f%05d", i);
		n = tree_lookup(&t, path);
		if (!n || strcmp(n->name, path + 3) || n->parent != d ||
		    tree_is_dir(n->inode))
			ck_abort_msg("%s lost", path);
		snprintf(path, sizeof(path), "/d/f%05d/x", i);
		if (tree_lookup(&t, path))
			ck_abort_msg("%s still there", path);
	}
	tree_finish(&t);
	ck_assert_str_eq(tree_kids(d)[0]->name, "f00000");
	ck_assert_str_eq(tree_kids(d)[49999]->name, "f49999");
}
END_TEST

/* A source filling a new directory from one listing: no name is hashed
 * until someone looks one up, and then the directory is found whole. */
START_TEST(a_listing_goes_in_without_the_hash)
{
	struct tree_node *d = put_dir("/d", 0755, MTIME), *n;
	char name[32];
	int i;

	ck_assert_int_eq(tree_reserve(d, 1000), 0);
	for (i = 999; i >= 0; i--) {
		snprintf(name, sizeof(name), "f%03d", i);
		ck_assert_int_eq(tree_put_in(&t, d, name,
					     tree_inode_new(&t, S_IFREG | 0644),
					     TREE_PUT_NEW, &n),
				 0);
		ck_assert_ptr_eq(n->parent, d);
	}
	ck_assert_uint_eq(tree_nkids(d), 1000);
	ck_assert_uint_eq(t.used, 0);
	ck_assert_ptr_nonnull(tree_lookup(&t, "/d/f500"));
	ck_assert_uint_eq(t.used, 1000);
	/* Indexed now: a later source looks its names up. */
	ck_assert_int_eq(tree_put_in(&t, d, "f500",
				     tree_inode_new(&t, S_IFDIR | 0700), 0, &n),
			 0);
	ck_assert_uint_eq(tree_nkids(d), 1000);
	ck_assert_ptr_eq(tree_lookup(&t, "/d/f500"), n);
	ck_assert_uint_eq(t.used, 1000);
	tree_finish(&t);
	ck_assert_str_eq(tree_kids(d)[0]->name, "f000");
	ck_assert_str_eq(tree_kids(d)[999]->name, "f999");
}
END_TEST

/* tree_put_in says what tree_put would of the same path. */
START_TEST(put_in_checks_the_name)
{
	struct tree_node *d = put_dir("/a/b", 0755, MTIME), *n;
	char big[300];

	t.max_depth = 3;
	ck_assert_int_eq(tree_put_in(&t, d, "c",
				     tree_inode_new(&t, S_IFREG | 0644), 0, &n),
			 0);
	diag_clear();
	ck_assert_int_eq(tree_put_in(&t, n->parent, "..",
				     tree_inode_new(&t, S_IFREG | 0644), 0, &n),
			 -1);
	ck_assert_str_eq(diag_message(),
			 "/a/b/..: not a canonical path in the image");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	diag_clear();
	ck_assert_int_eq(tree_put_in(&t, d, big,
				     tree_inode_new(&t, S_IFREG | 0644), 0, &n),
			 -1);
	ck_assert_msg(strstr(diag_message(), "a name is longer than 255 bytes"),
		      "%s", diag_message());
	d = tree_lookup(&t, "/a/b/c")->parent;
	ck_assert_int_eq(tree_put_in(&t, d, "deep",
				     tree_inode_new(&t, S_IFDIR | 0755), 0, &n),
			 0);
	diag_clear();
	ck_assert_int_eq(tree_put_in(&t, n, "deeper",
				     tree_inode_new(&t, S_IFREG | 0644), 0, &n),
			 -1);
	ck_assert_str_eq(
		diag_message(),
		"/a/b/deep/deeper: more than 3 levels deep (max-depth in the file-system section)");
}
END_TEST

/* A scanned host file is its directory and its name there, kept when
 * its first name in the tree goes and a hard link stays. */
START_TEST(a_host_file_keeps_its_name)
{
	const struct tree_hostdir *root =
		tree_hostdir_add(&t, NULL, "src/tree", 1);
	const struct tree_hostdir *sub = tree_hostdir_add(&t, root, "sub", 1);
	struct tree_inode *ino = tree_inode_new(&t, S_IFREG | 0644);
	struct tree_node *d = put_dir("/x", 0755, MTIME), *n;
	struct stat st;
	char path[256];

	memset(&st, 0, sizeof(st));
	st.st_size = 10;
	st.st_mtim.tv_sec = 1234;
	st.st_mtim.tv_nsec = 5678;
	ck_assert_int_eq(tree_inode_set_host_at(ino, sub, &st), 0);
	ck_assert_int_eq(ino->mtime, 1234);
	ck_assert_uint_eq(ino->host_nsec, 5678);
	ck_assert_int_eq(tree_put_in(&t, d, "file", ino, TREE_PUT_NEW, &n), 0);
	ck_assert_str_eq(tree_host_path(n, path, sizeof(path)),
			 "src/tree/sub/file");
	ck_assert_int_eq(tree_link(&t, "/y", n), 0);
	ck_assert_int_eq(tree_inode_add_xattr(ino, "user.a", "b", 1), 0);
	put_file("/x/file", "another"); /* the first name now another's */
	n = tree_lookup(&t, "/y");
	ck_assert_ptr_eq(n->inode, ino);
	ck_assert_str_eq(tree_host_name(n), "file");
	ck_assert_str_eq(tree_host_path(n, path, sizeof(path)),
			 "src/tree/sub/file");
	/* The rare fields took the host directory along. */
	ck_assert_ptr_eq(tree_inode_host_dir(ino), sub);
	tree_finish(&t);
	ck_assert_uint_eq(ino->host_nsec, 5678); /* not a directory's count */
}
END_TEST

/* What a million entries cost: an inode is 48 bytes. */
START_TEST(an_inode_is_small)
{
	ck_assert_uint_eq(sizeof(struct tree_inode), 48);
	ck_assert_uint_eq(sizeof(struct tree_node), 16);
}
END_TEST

/* The index of names is a hash table with linear probing and
 * backward-shift deletion.  At 74% load (760 names in its first 1024
 * slots) its runs are long and some wrap from the end of the table to
 * its start, so deleting names exercises every case of the shift, the
 * wrapped one included.  Names are deleted the way a build deletes them:
 * a later source puts a file over a directory, which drops the
 * directory's subtree.  After each deletion every name must still be
 * found, and the deleted ones not.  The hashes mix in node addresses, so
 * the layout differs from run to run: twenty rounds, each a fresh tree. */
/* A name that wrapped past the table's end sits in a low slot, its home
 * in a high one.  Deleting a name between its home and the end leaves a
 * hole it must be moved back into (backward-shift deletion, no
 * tombstones), or a lookup stops at the hole and loses it.  Where names
 * land depends on addresses, so the test looks at the table and picks a
 * directory whose names lie in such a run; 15 directories of 40 names,
 * the root (under 16 names) searched in place. */
static int find_wrap(size_t *victim_dir)
{
	size_t j, i, home, h;
	const struct tree_node *w, *n;

	for (j = 0; j < t.nslots && (w = tree_slot(&t, j, &home)); j++) {
		if (home <= j)
			continue; /* not wrapped */
		for (i = home; i < t.nslots; i++) {
			n = tree_slot(&t, i, &h);
			if (n && n->parent != w->parent) {
				*victim_dir = (size_t)atoi(n->parent->name + 1);
				return 1;
			}
		}
	}
	return 0;
}

/* The other side of the wrap: a run that fills the table's last slots
 * and goes on at slot 0 with a name whose home is slot 0.  A hole left
 * before the end must not take that name back past the end, where a
 * lookup from its home never goes.  The victim: the directory of the
 * run's first name, when the name at slot 0 is another directory's. */
static int find_home_zero(size_t *victim_dir)
{
	size_t i = t.nslots, home;
	const struct tree_node *zero = tree_slot(&t, 0, &home), *n;

	if (!zero || home != 0)
		return 0;
	while (i > 0 && tree_slot(&t, i - 1, &home))
		i--;
	if (i == 0 || i == t.nslots)
		return 0;
	n = tree_slot(&t, i, &home);
	if (n->parent == zero->parent)
		return 0;
	*victim_dir = (size_t)atoi(n->parent->name + 1);
	return 1;
}

/* DIRS directories of FILES names each, for attempt A; the names'
 * hashes are in the table once one of each directory is looked up. */
static void fill_dirs(int dirs, int files, int a)
{
	char path[64];
	int i, m;

	tree_free(&t);
	ck_assert_int_eq(tree_init(&t, MTIME), 0);
	for (i = 0; i < dirs; i++)
		for (m = 0; m < files; m++) {
			snprintf(path, sizeof(path), "/s%02d/f%02d-%d", i, m,
				 a);
			quick_put(path);
		}
	for (i = 0; i < dirs; i++) {
		snprintf(path, sizeof(path), "/s%02d/f00-%d", i, a);
		ck_assert_ptr_nonnull(tree_lookup(&t, path));
	}
	ck_assert_uint_eq(t.used, (size_t)(dirs * files));
}

/* The VICTIM directory replaced by a file: its names go, every other
 * name of attempt A is still found. */
static void delete_dir_and_check(int dirs, int files, size_t victim, int a)
{
	char path[64];
	int i, m;

	snprintf(path, sizeof(path), "/s%02zu", victim);
	quick_put(path);
	ck_assert_uint_eq(t.used, (size_t)((dirs - 1) * files));
	for (i = 0; i < dirs; i++)
		for (m = 0; m < files; m++) {
			struct tree_node *f;

			snprintf(path, sizeof(path), "/s%02d/f%02d-%d", i, m,
				 a);
			f = tree_lookup(&t, path);
			if ((size_t)i == victim ? f != NULL : !f)
				ck_abort_msg("%s %s", path,
					     f ? "still found" : "lost");
		}
}

/* Tables of 15 directories of 40 names are made, up to ATTEMPTS of them,
 * until FIND picks a victim directory in one; then its names are
 * deleted, and every other name must still be found. */
static void delete_where_found(int (*find)(size_t *), int attempts,
			       const char *none)
{
	enum { DIRS = 15, FILES = 40 };
	int attempt, found = 0;
	size_t victim = 0;

	for (attempt = 0; attempt < attempts && !found; attempt++) {
		fill_dirs(DIRS, FILES, attempt);
		found = find(&victim);
	}
	ck_assert_msg(found, "%s", none);
	delete_dir_and_check(DIRS, FILES, victim, attempt - 1);
}

START_TEST(a_hole_before_the_end_keeps_a_name_homed_at_slot_zero)
{
	delete_where_found(find_home_zero, 200,
			   "no run through the end onto a name homed at 0");
}
END_TEST

START_TEST(deleting_names_keeps_every_other_name_findable)
{
	delete_where_found(find_wrap, 100,
			   "no name wrapped past the end in 100 tables");
}
END_TEST

/* A mount point's subtree moves to a tree of its own; an empty directory
 * like it stays, found by name in its hashed parent, and every other
 * name still resolves in the tree it now belongs to. */
START_TEST(detach_moves_the_subtree_and_leaves_an_empty_stand_in)
{
	enum { N = 20 };
	struct tree out;
	struct tree_node *d, *f;
	size_t before;
	char path[64];
	int i;

	for (i = 0; i < N; i++) { /* 20 names: both directories hashed */
		snprintf(path, sizeof(path), "/srv/s%02d", i);
		ck_assert_int_eq(tree_add_dir(&t, path, 0755, 0, 0, MTIME), 0);
		snprintf(path, sizeof(path), "/srv/data/f%02d", i);
		put_file(path, "x");
	}
	put_file("/srv/data/sub/g", "y");
	d = tree_lookup(&t, "/srv/data");
	ck_assert_ptr_nonnull(d);
	d->inode->uid = 7;
	d->inode->gid = 8;
	d->inode->mtime = 12345;
	d->inode->mode = S_IFDIR | 0750;
	ck_assert_ptr_nonnull(tree_lookup(&t, "/srv/s00"));
	ck_assert_ptr_nonnull(tree_lookup(&t, "/srv/data/f00"));
	before = t.nnodes;

	ck_assert_int_eq(tree_detach(&t, "/srv/data", &out), 0);
	d = tree_lookup(&t, "/srv/data");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(tree_nkids(d), 0);
	ck_assert_uint_eq(d->inode->mode, S_IFDIR | 0750);
	ck_assert_uint_eq(d->inode->uid, 7);
	ck_assert_uint_eq(d->inode->gid, 8);
	ck_assert_int_eq(d->inode->mtime, 12345);
	ck_assert_uint_eq(tree_nkids(tree_lookup(&t, "/srv")), N + 1);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/srv/s%02d", i);
		ck_assert_msg(tree_lookup(&t, path), "%s lost", path);
		snprintf(path, sizeof(path), "/srv/data/f%02d", i);
		ck_assert_msg(!tree_lookup(&t, path), "%s still in T", path);
		snprintf(path, sizeof(path), "/f%02d", i);
		f = tree_lookup(&out, path);
		ck_assert_msg(f && f->inode->size == 1, "%s not in OUT", path);
	}
	f = tree_lookup(&out, "/sub/g");
	ck_assert_ptr_nonnull(f);
	tree_path(f, path, sizeof(path));
	ck_assert_str_eq(path, "/srv/data/sub/g");
	ck_assert_uint_eq(out.nnodes, 1 + N + 2);
	ck_assert_uint_eq(t.nnodes, before - N - 2);
	tree_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_fresh_tree_is_an_empty_root);
	tcase_add_test(tc, inode_defaults);
	tcase_add_test(tc, parents_are_made_implicitly);
	tcase_add_test(tc, file_over_file_replaces);
	tcase_add_test(tc, dir_over_dir_keeps_children_takes_metadata);
	tcase_add_test(tc, file_over_dir_drops_the_subtree);
	tcase_add_test(tc, dir_over_file);
	tcase_add_test(tc, hard_links_share_an_inode);
	tcase_add_test(tc, replacing_one_name_of_a_linked_inode);
	tcase_add_test(tc, bad_links_are_refused);
	tcase_add_test(tc, a_link_onto_a_directory_is_refused);
	tcase_add_test(tc, bad_paths_are_refused);
	tcase_add_test(tc, a_parent_that_is_a_file);
	tcase_add_test(tc, replacing_takes_the_subtree);
	tcase_add_test(tc, walk_is_sorted_preorder_in_byte_order);
	tcase_add_test(tc, walk_stops_when_asked);
	tcase_add_test(tc, paths_of_nodes);
	tcase_add_test(tc, fifty_thousand_names_in_one_directory);
	tcase_add_test(tc, a_listing_goes_in_without_the_hash);
	tcase_add_test(tc, put_in_checks_the_name);
	tcase_add_test(tc, a_host_file_keeps_its_name);
	tcase_add_test(tc, an_inode_is_small);
	tcase_add_test(tc, deleting_names_keeps_every_other_name_findable);
	tcase_add_test(tc,
		       a_hole_before_the_end_keeps_a_name_homed_at_slot_zero);
	tcase_add_test(tc,
		       detach_moves_the_subtree_and_leaves_an_empty_stand_in);
	suite_add_tcase(s, tc);
	return check_run(s);
}
