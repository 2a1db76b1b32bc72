/* fuzz-nar.c - a nar, compressed or not, through decompress.c (as a
 * substitute cache's nar is read) and the nar reader, with every file's
 * contents read and each object put into a tree as source-substitutes.c
 * does */
#include <sys/stat.h>

#include "decompress.h"
#include "fuzz-common.h"
#include "nar.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* At most 16 MiB out of the decompressor, as NarSize bounds it in a
 * build: a bomb is not inflated further. */
struct input {
	struct decomp *d;
	size_t left;
};

static long input_read(void *ctx, void *buf, size_t len)
{
	struct input *in = ctx;
	long n;

	if (len > in->left)
		len = in->left;
	n = len ? decomp_read(in->d, buf, len) : 0;
	if (n > 0)
		in->left -= (size_t)n;
	return n;
}

static int put(struct tree *t, const char *rel, struct tree_inode *ino)
{
	char path[4200];

	snprintf(path, sizeof(path), "/item%s%s", *rel ? "/" : "", rel);
	return tree_put(t, path, ino, NULL) ? EXIT_BUILD : 0;
}

static int on_directory(void *ctx, const char *rel)
{
	struct tree_inode *ino = tree_inode_new(ctx, S_IFDIR | 0555);

	return ino ? put(ctx, rel, ino) : EXIT_BUILD;
}

static int on_regular(void *ctx, const char *rel, int exec, uint64_t size,
		      struct nar *n)
{
	struct tree_inode *ino = tree_inode_new(ctx, S_IFREG | 0444);
	char buf[4096];
	long got;

	if (!ino)
		return EXIT_BUILD;
	ino->size = size;
	/* Read half of the files to the end, leave the rest to be skipped. */
	while ((size & 1) && (got = nar_read_contents(n, buf, sizeof(buf))) > 0)
		;
	return put(ctx, rel, ino);
}

static int on_symlink(void *ctx, const char *rel, const char *target)
{
	struct tree_inode *ino = tree_inode_new(ctx, S_IFLNK | 0777);

	if (!ino || tree_inode_set_symlink(ino, target)) {
		tree_inode_free(ino);
		return EXIT_BUILD;
	}
	return put(ctx, rel, ino);
}

static const struct nar_visitor visitor = {
	.directory = on_directory,
	.regular = on_regular,
	.symlink = on_symlink,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { NULL, 16 << 20 };
	struct nar_result res;
	struct tree t;
	const char *path = fuzz_write(data, size, ".nar");

	diag_set_level(DIAG_QUIET);
	if (decomp_open(path, &in.d)) {
		diag_clear();
		return 0;
	}
	if (tree_init(&t, 1))
		abort();
	if (nar_parse("fuzz.nar", input_read, &in, &visitor, &t, &res) == 0)
		tree_finish(&t);
	else
		decomp_corrupt(in.d, in.left);
	tree_free(&t);
	decomp_close(in.d);
	diag_clear();
	return 0;
}
