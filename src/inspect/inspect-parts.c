/* inspect-parts.c - what each partition holds: an ext2 file system, Linux
 * swap, or bytes we do not read (raw)
 *
 * Swap is recognised as the Hurd's swapon and Linux's blkid recognise it:
 * "SWAPSPACE2" at the end of the first 4096-byte page, the v1 header at
 * byte 1024 (version, last page, bad pages, UUID, label).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "inspect.h"

#define SWAP_PAGE 4096

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void inspect_uuid_string(const uint8_t u[16], char s[37])
{
	int i, n = 0;

	for (i = 0; i < 16; i++)
		n += sprintf(s + n, "%s%02x",
			     i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
			     u[i]);
}

static int probe_swap(struct disk_reader *r, uint64_t off, uint64_t size,
		      struct inspect_part *p)
{
	uint8_t page[SWAP_PAGE];

	if (size < SWAP_PAGE || disk_reader_read(r, page, sizeof(page), off) ||
	    memcmp(page + SWAP_PAGE - 10, "SWAPSPACE2", 10))
		return 0;
	p->kind = "swap";
	p->version = le32(page + 1024);
	p->pages = (uint64_t)le32(page + 1028) + 1;
	inspect_uuid_string(page + 1036, p->uuid);
	memcpy(p->label, page + 1052, 16);
	p->label[16] = '\0';
	return 1;
}

static int probe_ext2(struct disk_reader *r, uint64_t off, uint64_t size,
		      struct inspect_part *p)
{
	struct ext2_super_block *sb;
	ext2_filsys fs;
	char name[128];

	disk_reader_io_name(r, off, size, name, sizeof(name));
	if (ext2fs_open2(name, NULL, EXT2_FLAG_64BITS, 0, 0,
			 disk_reader_io_manager, &fs))
		return 0;
	sb = fs->super;
	p->kind = "ext2";
	p->os = sb->s_creator_os;
	inspect_uuid_string(sb->s_uuid, p->uuid);
	memcpy(p->label, sb->s_volume_name, 16);
	p->label[16] = '\0';
	p->block_size = fs->blocksize;
	p->blocks = ext2fs_blocks_count(sb);
	p->free_blocks = ext2fs_free_blocks_count(sb);
	p->inodes = sb->s_inodes_count;
	p->free_inodes = sb->s_free_inodes_count;
	ext2fs_close_free(&fs);
	return 1;
}

void inspect_part_probe(struct disk_reader *r, uint64_t off, uint64_t size,
			struct inspect_part *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = "raw";
	if (off >= disk_reader_size(r) || size > disk_reader_size(r) - off)
		return; /* past the end: nothing to read */
	if (!probe_swap(r, off, size, p))
		probe_ext2(r, off, size, p);
}
