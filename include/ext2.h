/* ext2.h - the Hurd-flavoured ext2 file system, written with libext2fs
 *
 * Parameters (hurd-disk-format.md, section 3): creator OS Hurd, revision
 * 1, 4 KiB blocks, 128-byte inodes so translator records always live in
 * the EA block, features ext_attr + sparse_super + large_file and nothing
 * else, filetype off, clean state.
 */
#ifndef MKHURDIMG_EXT2_H
#define MKHURDIMG_EXT2_H

#include <stdint.h>

#include "disk.h"
#include "tree.h"

#define EXT2_BLOCK 4096
#define EXT2_HURD_INODE_SIZE 128
#define EXT2_LINKS_MAX 65000 /* EXT2_LINK_MAX: a directory's subdirs + 2 */
#define LOST_FOUND_BLOCKS 4  /* 16 KiB, as mke2fs makes it */

/* What the tree needs, computed before anything is written. */
struct ext2_plan {
	uint64_t inodes; /* including the reserved ones */
	uint64_t blocks; /* data, directory, indirect and EA blocks */
	uint64_t bytes;	 /* apparent size of the content */
	uint64_t files;	 /* tree nodes */
	int legacy;	 /* translators as legacy records (i_translator) */
};

#define TRANSLATOR_XATTR "gnu.translator"

/* Sees what the writer writes, in its order: each node (every name, in
 * sorted preorder) before its contents, then the contents' bytes. */
struct ext2_observer {
	void (*node)(void *ctx, struct tree_node *n);
	void (*data)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

struct ext2_options {
	uint64_t size; /* bytes of the file system (multiple of 4 KiB) */
	const char *label;
	uint8_t uuid[16];
	uint8_t hash_seed[16];
	int64_t timestamp;		      /* superblock times */
	const struct ext2_observer *observer; /* or NULL */
};

/* Add /lost+found if missing, check every ext2 limit (name, link count,
 * file size, symlink length) and count what the tree needs.  LEGACY
 * stores each gnu.translator attribute as a legacy translator record
 * instead (for Hurds older than mid-2020). */
int ext2_plan_tree(struct tree *t, int legacy, struct ext2_plan *plan);

/* The smallest file system size that holds PLAN, and the size "guess"
 * picks (the smallest plus a 25% margin of blocks and inodes). */
int ext2_min_size(const struct ext2_plan *plan, uint64_t *bytes);
int ext2_guess_size(const struct ext2_plan *plan, uint64_t *bytes);

/* Does a file system of SIZE bytes hold PLAN?  0 if so; otherwise
 * EXIT_BUILD with a message saying how much is needed. */
int ext2_check_fits(const struct ext2_plan *plan, uint64_t size);

/* Write the file system for T into [offset, offset + o->size) of D.
 * ext2_plan_tree() must have run on T. */
int ext2_write(struct tree *t, const struct ext2_plan *plan,
	       const struct ext2_options *o, struct disk *d, uint64_t offset);

#endif
