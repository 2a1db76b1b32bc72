/* inspect-super.c - is the file system libext2fs opened whole enough to
 * describe?
 *
 * ext2fs_open2 checks little beyond the magic number, the block size and
 * the inode size's own limits: a superblock saying 4096-byte inodes on a
 * file system made with 128-byte ones opens, and every inode read after
 * that is garbage (a summary with no grub.cfg and no translators, and an
 * exit status of 0).  What inspect checks is the part of e2fsck's
 * check_super_block() (e2fsck/super.c) that needs no repair logic, and two
 * things the superblock alone cannot show: the inode tables are marked in
 * use in the block bitmap (e2fsck's pass 5), and the root inode is a
 * directory (pass 1).
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <ext2fs/ext2fs.h>

#include "inspect.h"

static int __attribute__((format(printf, 3, 4)))
damaged(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 1;
}

/* The superblock's counts against each other (check_super_value). */
static int check_counts(ext2_filsys fs, char *why, size_t len)
{
	struct ext2_super_block *sb = fs->super;
	unsigned per_block = EXT2_INODES_PER_BLOCK(sb);
	unsigned bpg_max = 8 * EXT2_BLOCK_SIZE(sb), ipg_max;
	unsigned long long blocks = ext2fs_blocks_count(sb);

	if (sb->s_blocks_per_group < 8 || sb->s_blocks_per_group > bpg_max)
		return damaged(why, len,
			       "blocks per group %u is out of range (8 to %u)",
			       sb->s_blocks_per_group, bpg_max);
	ipg_max = per_block * (sb->s_blocks_per_group - 4);
	if (ipg_max > EXT2_MAX_INODES_PER_GROUP(sb))
		ipg_max = EXT2_MAX_INODES_PER_GROUP(sb);
	if (sb->s_inodes_per_group < per_block ||
	    sb->s_inodes_per_group > ipg_max)
		return damaged(why, len,
			       "inodes per group %u is out of range (%u to %u)",
			       sb->s_inodes_per_group, per_block, ipg_max);
	if ((unsigned long long)sb->s_inodes_per_group * fs->group_desc_count !=
	    sb->s_inodes_count)
		return damaged(
			why, len,
			"the inode count %u is not %u groups of %u inodes",
			sb->s_inodes_count, fs->group_desc_count,
			sb->s_inodes_per_group);
	if (sb->s_first_data_block >= blocks)
		return damaged(
			why, len,
			"the first data block %u is past the last block (%llu)",
			sb->s_first_data_block, blocks - 1);
	if (ext2fs_r_blocks_count(sb) > blocks / 2)
		return damaged(
			why, len,
			"%llu of %llu blocks are reserved (at most half may be)",
			(unsigned long long)ext2fs_r_blocks_count(sb), blocks);
	if (ext2fs_free_blocks_count(sb) > blocks)
		return damaged(why, len, "%llu free blocks of %llu",
			       (unsigned long long)ext2fs_free_blocks_count(sb),
			       blocks);
	if (sb->s_free_inodes_count > sb->s_inodes_count)
		return damaged(why, len, "%u free inodes of %u",
			       sb->s_free_inodes_count, sb->s_inodes_count);
	return 0;
}

/* Each group's bitmaps and inode table inside the group, or with
 * flex_bg anywhere in the file system. */
static int check_groups(ext2_filsys fs, char *why, size_t len)
{
	blk64_t first = fs->super->s_first_data_block;
	blk64_t last = ext2fs_blocks_count(fs->super) - 1;
	int flex = ext2fs_has_feature_flex_bg(fs->super);
	dgrp_t g;

	for (g = 0; g < fs->group_desc_count; g++) {
		blk64_t lo = flex ? first : ext2fs_group_first_block2(fs, g);
		blk64_t hi = flex ? last : ext2fs_group_last_block2(fs, g);
		blk64_t bb = ext2fs_block_bitmap_loc(fs, g);
		blk64_t ib = ext2fs_inode_bitmap_loc(fs, g);
		blk64_t it = ext2fs_inode_table_loc(fs, g);
		blk64_t end = it + fs->inode_blocks_per_group - 1;

		if (bb < lo || bb > hi)
			return damaged(
				why, len,
				"the block bitmap of group %u (block %llu) is outside blocks %llu to %llu",
				g, (unsigned long long)bb,
				(unsigned long long)lo, (unsigned long long)hi);
		if (ib < lo || ib > hi)
			return damaged(
				why, len,
				"the inode bitmap of group %u (block %llu) is outside blocks %llu to %llu",
				g, (unsigned long long)ib,
				(unsigned long long)lo, (unsigned long long)hi);
		if (it < lo || end > hi || end < it)
			return damaged(
				why, len,
				"the inode table of group %u (blocks %llu to %llu, for %u-byte inodes) is outside blocks %llu to %llu",
				g, (unsigned long long)it,
				(unsigned long long)end,
				EXT2_INODE_SIZE(fs->super),
				(unsigned long long)lo, (unsigned long long)hi);
	}
	return 0;
}

/* The inode tables' blocks are in use: an inode size larger than the
 * file system was made with stretches the tables over data and free
 * blocks. */
static int check_tables_in_use(ext2_filsys fs, char *why, size_t len)
{
	errcode_t err = ext2fs_read_block_bitmap(fs);
	dgrp_t g;
	blk64_t b;

	if (err)
		return damaged(why, len, "the block bitmap cannot be read: %s",
			       error_message(err));
	for (g = 0; g < fs->group_desc_count; g++) {
		blk64_t it = ext2fs_inode_table_loc(fs, g);
		blk64_t end = it + fs->inode_blocks_per_group - 1;

		for (b = it; b <= end; b++)
			if (!ext2fs_test_block_bitmap2(fs->block_map, b))
				return damaged(
					why, len,
					"the inode table of group %u (blocks %llu to %llu, for %u-byte inodes) covers block %llu, which the block bitmap marks free",
					g, (unsigned long long)it,
					(unsigned long long)end,
					EXT2_INODE_SIZE(fs->super),
					(unsigned long long)b);
	}
	return 0;
}

static int check_root(ext2_filsys fs, char *why, size_t len)
{
	struct ext2_inode root;
	errcode_t err = ext2fs_read_inode(fs, EXT2_ROOT_INO, &root);

	if (err)
		return damaged(
			why, len,
			"the root directory (inode 2) cannot be read: %s",
			error_message(err));
	if (!LINUX_S_ISDIR(root.i_mode))
		return damaged(
			why, len,
			"the root directory (inode 2) is not a directory (mode %06o, with inodes read as %u bytes each)",
			root.i_mode, EXT2_INODE_SIZE(fs->super));
	return 0;
}

int inspect_check_fs(ext2_filsys fs, char *why, size_t len)
{
	return check_counts(fs, why, len) || check_groups(fs, why, len) ||
	       check_tables_in_use(fs, why, len) || check_root(fs, why, len);
}
